"""PlaygroundConfig: TF Playground's URL hash, defaults and validation."""

import pytest

from glassnet.playground import ConfigError, PlaygroundConfig, limits

TF_DEFAULT_HASH = (
    "#activation=tanh&batchSize=10&dataset=circle&regDataset=reg-plane&learningRate=0.03&"
    "regularizationRate=0&noise=0&networkShape=4,2&seed=0.80000&showTestData=false&"
    "discretize=false&percTrainData=50&x=true&y=true&xTimesY=false&xSquared=false&"
    "ySquared=false&cosX=false&sinX=false&cosY=false&sinY=false&collectStats=false&"
    "problem=classification&initZero=false&hideText=false"
)


def test_tf_default_hash_is_our_default():
    c = PlaygroundConfig.from_hash(TF_DEFAULT_HASH)
    assert c == PlaygroundConfig(seed="0.80000")
    assert (c.activation, c.batchSize, c.learningRate, c.networkShape, c.percTrainData) == (
        "tanh",
        10,
        0.03,
        (4, 2),
        50,
    )
    assert c.features == ["x", "y"] and c.regularization == "none"


def test_tf_hash_with_other_values():
    c = PlaygroundConfig.from_hash(
        "#activation=relu&regularization=L2&batchSize=3&dataset=spiral&learningRate=0.3&"
        "regularizationRate=0.003&noise=35&networkShape=8,8,5&seed=0.12345&percTrainData=70&"
        "xTimesY=true&sinX=true&x=false&problem=classification&tutorial=&cosY=true"
    )
    assert (c.activation, c.regularization, c.batchSize, c.dataset, c.learningRate) == (
        "relu",
        "L2",
        3,
        "spiral",
        0.3,
    )
    assert (c.regularizationRate, c.noise, c.networkShape, c.percTrainData) == (
        0.003,
        35,
        (8, 8, 5),
        70,
    )
    assert c.features == ["y", "xTimesY", "sinX"]
    assert PlaygroundConfig.from_hash("networkShape=&seed=1").networkShape == ()


def test_hash_round_trip_keeps_everything():
    c = PlaygroundConfig(
        activation="sigmoid",
        batchSize=25,
        dataset="xor",
        learningRate=0.001,
        regularization="L1",
        regularizationRate=0.1,
        noise=10,
        networkShape=(16, 3),
        seed="abc",
        showTestData=True,
        sinY=True,
        problem="regression",
        regDataset="reg-gauss",
        optimizer="adam",
        dropout=0.25,
        stopEpochs=100,
        stopLoss=0.05,
        lang="ko",
    )
    h = c.to_hash()
    assert h.startswith("#activation=sigmoid&batchSize=25&dataset=xor&")
    assert PlaygroundConfig.from_hash(h) == c
    assert "regularization=" not in PlaygroundConfig(seed="1").to_hash().replace(
        "regularizationRate", ""
    )  # TF leaves regularization=none out


def test_no_seed_gets_a_tf_style_random_one():
    c = PlaygroundConfig.from_hash("#batchSize=5")
    assert len(c.seed) == 7 and c.seed.startswith("0.") and c.batchSize == 5


@pytest.mark.parametrize(
    "field,value,allowed",
    [
        ("batchSize", 31, "an integer from 1 to 30"),
        ("batchSize", 2.5, "an integer from 1 to 30"),
        ("noise", 7, "from 0 to 50 in steps of 5"),
        ("percTrainData", 95, "from 10 to 90 in steps of 10"),
        ("learningRate", 0.05, "one of 1e-05, 0.0001"),
        ("regularizationRate", 0.002, "one of 0, 0.001"),
        ("activation", "elu", "one of relu, tanh, sigmoid, linear"),
        ("dataset", "moons", "one of circle, xor, gauss, spiral"),
        ("networkShape", [17], "each 1 to 16"),
        ("networkShape", [2] * 9, "up to 8 comma-separated layer sizes"),
        ("networkShape", "4,x", "up to 8"),
        ("dropout", 0.6, "from 0 to 0.5"),
        ("numClasses", 6, "from 2 to 5"),
        ("optimizer", "lbfgs", "one of sgd, momentum, adam"),
        ("stopLoss", -1, ">= 0"),
        ("seed", "a&b", "1 to 64 characters"),
        ("x", 1, "true or false"),
        ("batchSize", "10", "a number"),
        ("dropout", float("nan"), "from 0 to 0.5"),
    ],
)
def test_bad_message_values_name_field_value_and_allowed(field, value, allowed):
    base = PlaygroundConfig(seed="1")
    with pytest.raises(ConfigError) as e:
        PlaygroundConfig.from_message({field: value}, base)
    assert e.value.field == field
    assert str(e.value).startswith(f"{field}: got ") and allowed in str(e.value)


def test_message_rules_between_fields_and_unknown_fields():
    base = PlaygroundConfig(seed="1")
    with pytest.raises(ConfigError, match="numClasses: .*3-5 classes need spiral"):
        base.update({"numClasses": 3})
    assert base.update({"dataset": "spiral", "numClasses": 3}).is_multiclass
    with pytest.raises(ConfigError, match="at least one input feature"):
        base.update({"x": False, "y": False})
    with pytest.raises(ConfigError, match="evil: got 1; allowed: the config fields"):
        base.update({"evil": 1})
    with pytest.raises(ConfigError, match="config: got 'list'"):
        base.update([1, 2])
    c = base.update({"networkShape": [3, 3], "learningRate": 1})
    assert c.networkShape == (3, 3) and c.learningRate == 1.0 and base.networkShape == (4, 2)


def test_bad_hash_values_are_refused_too():
    with pytest.raises(ConfigError, match="batchSize: got 'ten'; allowed: a number"):
        PlaygroundConfig.from_hash("#batchSize=ten")
    with pytest.raises(ConfigError, match="learningRate"):
        PlaygroundConfig.from_hash("#learningRate=0.02")
    with pytest.raises(ConfigError):
        PlaygroundConfig.from_hash("#" + "x" * 5000)
    # the uploaded data set cannot come from a link
    assert PlaygroundConfig.from_hash("#dataset=csv&seed=1").dataset == "circle"


def test_a_bad_hash_value_keeps_the_good_fields_and_is_named_once():
    c, errors = PlaygroundConfig.parse_hash(
        "#activation=relu&batchSize=ten&noise=15&learningRate=0.02&networkShape=3%2C3&seed=1"
    )
    assert (c.activation, c.noise, c.networkShape, c.seed) == ("relu", 15, (3, 3), "1")
    assert (c.batchSize, c.learningRate) == (10, 0.03)  # the bad ones keep their defaults
    assert [e.field for e in errors] == ["batchSize", "learningRate"]
    for e in errors:
        assert str(e).count(e.field) == 1, str(e)
    assert str(errors[0]) == "batchSize: got 'ten'; allowed: a number"
    # a rule between fields leaves out the field it names, and keeps the rest
    c, errors = PlaygroundConfig.parse_hash("#dataset=circle&numClasses=3&activation=relu")
    assert (c.dataset, c.numClasses, c.activation) == ("circle", 2, "relu")
    assert [e.field for e in errors] == ["numClasses"]
    c, errors = PlaygroundConfig.parse_hash("#x=false&y=false&sinX=false")
    assert c.features == ["x"] and [e.field for e in errors] == ["x"]
    # on top of a base: absent keys keep the base's values; circle sets 2 classes
    base = PlaygroundConfig(dataset="spiral", numClasses=3, seed="s", activation="relu")
    c, errors = PlaygroundConfig.parse_hash("dataset=circle&noise=5", base)
    assert (c.dataset, c.numClasses, c.noise, c.seed, c.activation) == (
        "circle",
        2,
        5,
        "s",
        "relu",
    ) and errors == []
    assert base.update({"dataset": "xor"}).numClasses == 2


def test_the_activation_choices_are_names_of_glassnets_table():
    from glassnet import nn
    from glassnet.playground.config import ACTIVATION_CHOICES

    assert set(ACTIVATION_CHOICES) <= set(nn.ACTIVATIONS) and limits()["activation"] == list(
        ACTIVATION_CHOICES
    )


def test_limits_describe_the_ranges():
    lim = limits()
    assert lim["learningRate"][0] == 0.00001 and lim["learningRate"][-1] == 10
    assert lim["batchSize"] == {"min": 1, "max": 30, "step": 1}
    assert lim["networkShape"] == {"maxLayers": 8, "maxNeurons": 16}
    assert lim["features"] == ["x", "y", "xSquared", "ySquared", "xTimesY", "sinX", "sinY"]
    assert lim["liveFields"] == [
        "learningRate",
        "stopEpochs",
        "stopLoss",
        "showTestData",
        "discretize",
        "lang",
    ]
    assert set(lim["viewFields"]) <= set(lim["liveFields"])
