"""The playground page in headless Chromium (Playwright): train, TF hash, CSV upload, Korean."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from tests.conftest import ROOT

try:  # a missing browser stack fails these tests (never a skip)
    import uvicorn
    from playwright.sync_api import ConsoleMessage, expect, sync_playwright
except ImportError as e:
    raise ImportError(
        f"the browser tests need playwright and uvicorn (pip install -e '.[dev,playground]'): {e}"
    ) from e

from glassnet.playground import server
from glassnet.playground.config import limits
from glassnet.playground.server import create_app

CHROMIUM = "/usr/bin/chromium"
OUTPUT = ROOT / "test-output"  # screenshots (ignored by git)
# A TF Playground link's hash, as TF writes it (keys we don't have, like cosX, are ignored).
TF_HASH = (
    "#activation=relu&batchSize=20&dataset=xor&regDataset=reg-plane&learningRate=0.01"
    "&regularizationRate=0.003&noise=15&networkShape=5,3,2&seed=0.61234"
    "&showTestData=true&discretize=true&percTrainData=70&x=true&y=true&xTimesY=true"
    "&xSquared=false&ySquared=false&cosX=false&sinX=true&cosY=false&sinY=false"
    "&collectStats=false&problem=classification&initZero=false&hideText=false"
    "&regularization=L2"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def url():
    port = _free_port()
    app = create_app(max_sessions=4, port=port)  # it answers only Host 127.0.0.1:port etc.
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}/"
    server.should_exit = True
    thread.join(timeout=10)


def _launch(chromium, env: dict[str, str] | None = None):
    """Debian's Chromium, headless (`chromium`: Playwright's browser type)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (as .ci/run does)")
    return chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        env=env,
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    )


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        b = _launch(p.chromium)
        yield b
        b.close()


def _console_error(errors: list[str], msg: ConsoleMessage) -> None:
    """Keep a console message of type error (a CSP violation, a failed load, console.error)."""
    if msg.type == "error":
        where = msg.location.get("url", "") if msg.location else ""
        errors.append(f"console error: {msg.text} ({where})")


def _open_page(browser, viewport: dict[str, int]):
    """A fresh page under the server's real Content-Security-Policy (no bypass), with every
    console error and uncaught exception collected in `page.errors`."""
    context = browser.new_context(viewport=viewport)
    pg = context.new_page()
    pg.errors = []
    pg.on("pageerror", lambda e: pg.errors.append(f"page error: {e}"))
    pg.on("console", lambda m: _console_error(pg.errors, m))
    return context, pg


def _checked_page(browser, viewport: dict[str, int]):
    """Yield a page; afterwards any console error or page error fails the test."""
    context, pg = _open_page(browser, viewport)
    yield pg
    pg.wait_for_timeout(100)  # let messages of the last action arrive
    context.close()
    assert not pg.errors, f"{len(pg.errors)} errors on the page, first: {pg.errors[:3]}"


@pytest.fixture
def page(browser):
    """The page at desktop size."""
    yield from _checked_page(browser, {"width": 1400, "height": 900})


@pytest.fixture
def phone(browser):
    """The page on a phone-width screen (an iPhone 14's 390x844 CSS pixels)."""
    yield from _checked_page(browser, {"width": 390, "height": 844})


def _value(page, selector: str) -> float:
    return float(page.locator(selector).get_attribute("data-value") or "nan")


def _until(page, condition: str, timeout: float = 30_000) -> None:
    """Wait until a JS expression is true. It goes in as an arrow function: Playwright would
    eval() a bare expression, which the page's CSP (no 'unsafe-eval') refuses."""
    page.wait_for_function(f"() => ({condition})", timeout=timeout)


def _wait_ready(page) -> None:
    _until(page, "document.getElementById('epoch').dataset.value !== undefined")


def test_play_trains_circle_below_0_1_within_30_s(page, url):
    # TF's default set-up; a fixed seed (as every TF link has) keeps the test deterministic:
    # this one needs ~25 epochs, random ones 30-160, i.e. seconds even on a busy machine
    page.goto(url + "#seed=0.44444")
    _wait_ready(page)
    expect(page.locator("#dataset-circle")).to_have_class("thumb selected")
    start = _value(page, "#test-loss")
    page.click("#play")
    _until(page, "Number(document.getElementById('test-loss').dataset.value) < 0.1")
    assert start > 0.1
    assert page.locator("#play").get_attribute("aria-pressed") == "true"
    assert _value(page, "#epoch") > 0
    assert "networkShape=4,2" in page.url  # as TF Playground writes it
    page.click("#play")  # pause
    expect(page.locator("#play")).to_have_attribute("aria-pressed", "false")
    OUTPUT.mkdir(exist_ok=True)
    shot = OUTPUT / "playground-circle-trained.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000


def test_a_tf_playground_hash_sets_the_same_controls(page, url):
    page.goto(url + TF_HASH)
    _wait_ready(page)
    _until(page, "document.getElementById('activation').value === 'relu'")
    _until(page, "document.getElementById('layer-count').textContent === '3'")
    expected = {
        "#activation": "relu",
        "#batchSize": "20",
        "#learningRate": "0.01",
        "#regularization": "L2",
        "#regularizationRate": "0.003",
        "#noise": "15",
        "#percTrainData": "70",
        "#problem": "classification",
    }
    for sel, value in expected.items():
        expect(page.locator(sel)).to_have_value(value)
    expect(page.locator("#showTestData")).to_be_checked()
    expect(page.locator("#discretize")).to_be_checked()
    expect(page.locator("#dataset-xor")).to_have_class("thumb selected")
    for name, on in (
        ("x", True),
        ("y", True),
        ("xTimesY", True),
        ("sinX", True),
        ("xSquared", False),
        ("ySquared", False),
        ("sinY", False),
    ):
        cls = page.locator(f"#feature-{name}").get_attribute("class")
        assert ("on" in cls.split()) == on, (name, cls)
    # 4 features -> 5 -> 3 -> 2 -> output: neuron thumbnails and one link per weight
    assert page.locator("canvas[id^='neuron-0-']").count() == 5
    assert page.locator("canvas[id^='neuron-2-']").count() == 2
    assert page.locator("#links path").count() == 4 * 5 + 5 * 3 + 3 * 2 + 2
    assert page.locator("#error").is_hidden()
    for part in ("activation=relu", "dataset=xor", "seed=0.61234", "regularization=L2"):
        assert part in page.url


def test_csv_upload_trains_and_a_broken_csv_shows_an_error(page, url, tmp_path):
    rng = np.random.default_rng(1)
    a = rng.normal([-2.5, -2.5], 1.0, (150, 2))
    b = rng.normal([2.5, 2.5], 1.0, (150, 2))
    rows = [f"{x:.4f},{y:.4f},0" for x, y in a] + [f"{x:.4f},{y:.4f},1" for x, y in b]
    good = tmp_path / "blobs.csv"
    good.write_text("x1,x2,label\n" + "\n".join(rows) + "\n")
    page.goto(url + "#seed=0.44444")
    _wait_ready(page)
    page.set_input_files("#csv-input", str(good))
    _until(page, "location.hash.includes('dataset=csv')")
    expect(page.locator("#dataset-circle")).to_have_class("thumb")  # no built-in set chosen
    page.click("#play")
    _until(
        page,  # two well separated blobs
        "Number(document.getElementById('epoch').dataset.value) >= 5 && "
        "Number(document.getElementById('test-loss').dataset.value) < 0.1",
        timeout=30_000,
    )
    page.click("#play")
    expect(page.locator("#accuracy")).to_contain_text("%")
    assert page.locator("#error").is_hidden()
    bad = tmp_path / "broken.csv"
    bad.write_text("x1,x2,label\n1.0,2.0,1\n3.0,oops,0\n")
    page.set_input_files("#csv-input", str(bad))
    expect(page.locator("#error")).to_be_visible()
    expect(page.locator("#error")).to_contain_text("line")


# Draws three Hangul syllables and a codepoint no font has (U+10FFFD) in the page's own font
# stack: with a Korean font the syllables are three different inked glyphs; without one they
# are all the same missing-glyph box (or nothing).
HANGUL_PROBE = r"""() => {
  const family = getComputedStyle(document.querySelector("label[for='learningRate']")).fontFamily;
  const draw = (text) => {
    const c = document.createElement("canvas");
    c.width = 64; c.height = 48;
    const g = c.getContext("2d");
    g.font = `32px ${family}`;
    g.fillText(text, 4, 36);
    return Array.from(g.getImageData(0, 0, 64, 48).data.filter((_, i) => i % 4 === 3)).join();
  };
  const tofu = draw("\u{10FFFD}");
  const glyphs = ["학", "습", "률"].map(draw);
  return {family, distinct: new Set(glyphs).size, asTofu: glyphs.filter((g) => g === tofu).length,
          inked: glyphs.map((g) => g.split(",").filter((v) => v !== "0").length)};
}"""


def _hangul_renders(page) -> tuple[bool, dict]:
    """Whether the page's font stack draws real Hangul glyphs, and what was measured."""
    probe = page.evaluate(HANGUL_PROBE)
    ok = probe["distinct"] == 3 and probe["asTofu"] == 0 and min(probe["inked"]) > 20
    return ok, probe


def test_switch_to_korean(page, url):
    page.goto(url)
    _wait_ready(page)
    expect(page.locator("label[for='learningRate']")).to_have_text("Learning rate")
    page.select_option("#lang", "ko")
    expect(page.locator("label[for='learningRate']")).to_have_text("학습률")
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    assert "갱신" in (page.locator("#learningRate").get_attribute("title") or "")  # its help
    _until(page, "location.hash.includes('lang=ko')")
    page.click("#help-toggle")  # the one-line help under each control
    expect(page.locator(".help[data-for='play']")).to_be_visible()
    expect(page.locator(".help[data-for='play']")).to_contain_text("학습")
    page.reload()  # the language is part of the state in the hash
    _wait_ready(page)
    expect(page.locator("label[for='learningRate']")).to_have_text("학습률")
    ok, probe = _hangul_renders(page)
    assert ok, f"Hangul does not render (no Korean font? apt-get install fonts-nanum): {probe}"
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "playground-korean.png"), full_page=True)


def test_the_hangul_check_fails_without_a_korean_font(browser, url, tmp_path):
    # the same page in a Chromium whose fontconfig rejects every font covering Korean
    conf = tmp_path / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n'
        '<fontconfig><include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
        '<selectfont><rejectfont><pattern><patelt name="lang"><string>ko</string>'
        "</patelt></pattern></rejectfont></selectfont></fontconfig>\n"
    )
    b = _launch(browser.browser_type, env={**os.environ, "FONTCONFIG_FILE": str(conf)})
    try:
        pg = b.new_page()
        pg.goto(url + "#lang=ko")
        expect(pg.locator("label[for='learningRate']")).to_have_text("학습률")
        ok, probe = _hangul_renders(pg)
    finally:
        b.close()
    assert not ok, f"the check saw Hangul without a Korean font: {probe}"


def test_nan_warning_link_edit_and_downloads(page, url):
    page.goto(url + "#problem=regression&activation=relu&learningRate=10&seed=0.5")
    _wait_ready(page)
    _until(page, "document.getElementById('learningRate').value === '10'")
    page.click("#play")
    expect(page.locator("#warning")).to_be_visible(timeout=15_000)
    expect(page.locator("#warning")).to_contain_text("NaN")
    expect(page.locator("#play")).to_have_attribute("aria-pressed", "false")
    page.select_option("#learningRate", "0.03")
    page.click("#reset")
    expect(page.locator("#warning")).to_be_hidden()
    _until(page, "Number.isFinite(Number(document.getElementById('train-loss').dataset.value))")
    link = page.locator("#link-1-0-0")  # first hidden neuron -> second layer's first neuron
    link.hover(force=True)
    expect(page.locator("#link-tip")).to_be_visible()
    expect(page.locator("#link-tip")).to_contain_text("Weight")
    link.click(force=True)
    page.fill("#weight-value", "1.25")
    page.press("#weight-value", "Enter")
    page.locator("#link-1-0-0").hover(force=True)
    expect(page.locator("#link-tip")).to_contain_text("1.250")  # the server's new weight
    with page.expect_download() as dl:
        page.click("#export-script")
    assert dl.value.suggested_filename.endswith(".py")
    assert "glassnet" in Path(dl.value.path()).read_text()
    with page.expect_download() as dl:
        page.click("#export-weights")
    weights = Path(dl.value.path())
    assert dl.value.suggested_filename.endswith(".safetensors") and weights.stat().st_size > 100
    with page.expect_download() as dl:
        page.click("#export-onnx")
    assert dl.value.suggested_filename.endswith(".onnx")
    assert Path(dl.value.path()).read_bytes()[:2] == b"\x08\x08"  # ONNX: ir_version 8
    page.set_input_files("#weights-input", str(weights))  # import them back
    page.wait_for_timeout(300)
    assert page.locator("#error").is_hidden()


def test_three_class_spiral_shows_accuracy_and_confusion_matrix(page, url):
    page.goto(
        url + "#dataset=spiral&numClasses=3&seed=0.3&networkShape=8,8&learningRate=0.1"
        "&optimizer=adam"
    )
    _wait_ready(page)
    _until(page, "document.getElementById('numClasses').value === '3'")
    page.click("#step")
    expect(page.locator("#epoch")).to_have_attribute("data-value", "1")
    expect(page.locator("#confusion-box")).to_be_visible()
    assert page.locator("#confusion tr").count() == 4  # a header row + one per class
    expect(page.locator("#accuracy")).to_contain_text("%")
    counts = [int(t) for t in page.locator("#confusion td").all_inner_texts()]
    assert len(counts) == 9 and sum(counts) == 250  # every test point, once


def test_confusion_cells_are_coloured_under_the_csp(page, url):
    # the colours must survive the page's own style-src 'self' (no inline style attributes)
    page.goto(url + "#dataset=circle&seed=0.44444")
    _wait_ready(page)
    page.click("#step")
    expect(page.locator("#epoch")).to_have_attribute("data-value", "1")
    expect(page.locator("#confusion-box")).to_be_visible()
    colours = page.eval_on_selector_all(
        "#confusion td", "cells => cells.map(c => getComputedStyle(c).backgroundColor)"
    )
    counts = [int(t) for t in page.locator("#confusion td").all_inner_texts()]
    assert len(colours) == 4 and sum(counts) == 250
    for colour, n in zip(colours, counts):
        if n:  # a cell with points is tinted: blue on the diagonal, orange off it
            assert colour.startswith("rgba(") and not colour.endswith(", 0)"), colours
    assert "8, 119, 189" in colours[0] or counts[0] == 0, colours


def test_a_bad_hash_value_keeps_the_other_settings_and_is_named_once(page, url):
    page.goto(url + "#activation=relu&batchSize=ten&learningRate=0.02&noise=15&seed=0.5")
    _wait_ready(page)
    expect(page.locator("#error")).to_be_visible()
    message = page.locator("#error").inner_text()
    assert message.count("batchSize") == 1 and message.count("learningRate") == 1, message
    for sel, value in (
        ("#activation", "relu"),
        ("#noise", "15"),
        ("#batchSize", "10"),
        ("#learningRate", "0.03"),
    ):
        expect(page.locator(sel)).to_have_value(value)
    _until(
        page,
        "location.hash.includes('activation=relu') && location.hash.includes("
        "'seed=0.5') && location.hash.includes('batchSize=10')",
    )
    page.evaluate("() => { location.hash = 'activation=sigmoid&dropout=0.9'; }")  # typed in
    expect(page.locator("#activation")).to_have_value("sigmoid")
    expect(page.locator("#error")).to_contain_text("dropout")
    assert page.locator("#error").inner_text().count("dropout") == 1


def _inside(inner: dict, outer: dict) -> bool:
    return (
        outer["x"] - 0.5 <= inner["x"]
        and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + 0.5
    )


def test_the_network_fits_a_phone_screen(phone, url):
    phone.goto(url + "#seed=0.44444")
    _wait_ready(phone)
    col = phone.locator("#net-col").bounding_box()
    assert col["x"] >= 0 and col["x"] + col["width"] <= 390
    for sel in ("#feature-x", "#feature-sinY", "#neuron-0-3", "#neuron-1-1", "#neuron-out"):
        assert _inside(phone.locator(sel).bounding_box(), col), sel
    expect(phone.locator("#net-scroll-hint")).to_be_hidden()
    phone.click("#step")  # still a working page
    expect(phone.locator("#epoch")).to_have_attribute("data-value", "1")


def test_a_wide_network_scrolls_visibly_on_a_phone(phone, url):
    phone.goto(url + "#networkShape=8,8,8,8,8,8,8,8&seed=0.44444")
    _wait_ready(phone)
    _until(phone, "document.getElementById('layer-count').textContent === '8'")
    col = phone.locator("#net-col").bounding_box()
    out = phone.locator("#neuron-out")
    if not _inside(out.bounding_box(), col):  # too wide to scale: it must scroll, and say so
        assert phone.evaluate(
            "() => { const c = document.getElementById('net-col'); return "
            "c.scrollWidth > c.clientWidth && "
            "['auto', 'scroll'].includes(getComputedStyle(c).overflowX); }"
        )
        expect(phone.locator("#net-scroll-hint")).to_be_visible()
        phone.evaluate(
            "() => { const c = document.getElementById('net-col'); c.scrollLeft = c.scrollWidth; }"
        )
        assert _inside(out.bounding_box(), phone.locator("#net-col").bounding_box())
    assert _inside(phone.locator("#feature-x").bounding_box(), col) or phone.evaluate(
        "() => document.getElementById('net-col').scrollLeft > 0"
    )


def test_the_page_takes_choices_and_limits_from_hello(page, url, monkeypatch):
    # the page has no table of its own: change the server's and the page follows
    real = limits()
    monkeypatch.setattr(
        server,
        "limits",
        lambda: {
            **real,
            "learningRate": [0.03, 0.3],
            "activation": ["tanh", "relu"],
            "batchSize": {"min": 1, "max": 12, "step": 1},
            "networkShape": {"maxLayers": 3, "maxNeurons": 5},
        },
    )
    page.goto(url + "#seed=0.44444")
    _wait_ready(page)
    options = "el => Array.from(el.options).map(o => o.value)"
    assert page.eval_on_selector("#learningRate", options) == ["0.03", "0.3"]
    assert page.eval_on_selector("#activation", options) == ["tanh", "relu"]
    assert page.eval_on_selector("#optimizer", options) == real["optimizer"]
    assert page.eval_on_selector("#batchSize", "el => [el.min, el.max, el.step]") == [
        "1",
        "12",
        "1",
    ]
    page.click("#add-layer")  # each click after the server confirmed the last one
    _until(page, "location.hash.includes('networkShape=4,2,2&')")
    page.click("[data-testid='layer-0-add']")
    _until(page, "location.hash.includes('networkShape=5,2,2&')")
    page.click("#add-layer")
    page.click("[data-testid='layer-0-add']")
    page.wait_for_timeout(300)
    assert "networkShape=5,2,2&" in page.url  # maxLayers and maxNeurons from hello
    expect(page.locator("#layer-count")).to_have_text("3")


def test_see_inside_steps_a_full_backward_of_a_2_2_1_network(page, url):
    import torch  # a dev dependency: the independent check of the server's gradients

    received: list = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda m: received.append(m)))
    page.goto(url + "#networkShape=2&activation=tanh&seed=0.25")
    _wait_ready(page)
    _until(page, "document.getElementById('layer-count').textContent === '1'")
    page.fill("#inside-index", "3")
    page.click("#inside-start")
    _until(page, "document.getElementById('inside-step').dataset.step === '0'")
    texts = [page.locator("#inside-step").text_content()]
    while page.locator("#inside-next").is_enabled():
        page.click("#inside-next")
        texts.append(page.locator("#inside-step").text_content())
    expect(page.locator("#inside-step")).to_have_attribute("data-done", "true")
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "playground-see-inside.png"), full_page=True)
    msgs = [json.loads(m) for m in received if isinstance(m, str)]
    inside = [m for m in msgs if m.get("type") == "inspect"][-1]
    frame = [m for m in msgs if m.get("type") == "frame" and "weights" in m][-1]
    assert len(texts) == len(inside["forward"]) + len(inside["backward"])
    assert texts[0].startswith("Forward 1/") and "Tanh (1)" in texts[1]
    assert any("d tanh x = (1 − tanh² x) dx" in t for t in texts)
    assert "gx = g W" in texts[-1] and "every link shows its gradient" in texts[-1]
    shown = dict(
        page.eval_on_selector_all("#links path", "ps => ps.map(p => [p.id, p.dataset.grad])")
    )
    assert len(shown) == 2 * 2 + 2 * 1 and all(v is not None for v in shown.values())
    for layer, grads in enumerate(inside["weightGrads"]):
        for to, row in enumerate(grads):
            for frm, g in enumerate(row):
                assert float(shown[f"link-{layer}-{frm}-{to}"]) == g  # what the page shows
    # the server's gradients, recomputed by PyTorch from the server's weights and the point
    w = [torch.tensor(np.array(a, dtype=np.float64), requires_grad=True)
         for pair in zip(frame["weights"], frame["biases"]) for a in pair]  # fmt: skip
    x = torch.tensor(inside["x"], dtype=torch.float64)
    out = torch.tanh(w[2] @ torch.tanh(w[0] @ x + w[1]) + w[3])
    (0.5 * (out - inside["target"][0]) ** 2).mean().backward()
    np.testing.assert_allclose(inside["weightGrads"][0], w[0].grad.numpy(), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(inside["weightGrads"][1], w[2].grad.numpy(), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(inside["biasGrads"][0], w[1].grad.numpy(), rtol=1e-4, atol=1e-6)
