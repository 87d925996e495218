# Source: PyTorch tutorials, "Learn the Basics: Automatic Differentiation with torch.autograd"
# (the one-layer logistic model, detach / no_grad, and the Jacobian-vector product section)
# path: beginner_source/basics/autogradqs_tutorial.py
# https://github.com/pytorch/tutorials/blob/main/beginner_source/basics/autogradqs_tutorial.py
# Written out from the tutorial's steps; changed: the import.

METRIC, BOUND = "max error of the gradients against the tutorial's printed values", 1e-5


def main(torch):
    torch.manual_seed(0)
    x = torch.ones(5)
    y = torch.zeros(3)
    w = torch.randn(5, 3, requires_grad=True)
    b = torch.randn(3, requires_grad=True)
    z = torch.matmul(x, w) + b
    loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)
    assert z.grad_fn is not None and loss.grad_fn is not None
    loss.backward()
    expected = torch.sigmoid(z.detach()) / 3  # d loss / d z for BCE with zero targets
    err = (b.grad - expected).abs().max().item()
    err = max(err, (w.grad - x.unsqueeze(1) * expected).abs().max().item())
    with torch.no_grad():
        z = torch.matmul(x, w) + b
    assert not z.requires_grad
    z = torch.matmul(x, w) + b
    z_det = z.detach()
    assert not z_det.requires_grad
    inp = torch.eye(4, 5, requires_grad=True)
    out = (inp + 1).pow(2).t()
    out.backward(torch.ones_like(out), retain_graph=True)
    first = inp.grad.clone()
    out.backward(torch.ones_like(out), retain_graph=True)
    second = inp.grad.clone()
    inp.grad.zero_()
    out.backward(torch.ones_like(out), retain_graph=True)
    third = inp.grad
    want = 2 * (torch.eye(4, 5) + 1)
    for got, k in ((first, 1), (second, 2), (third, 1)):
        err = max(err, (got - k * want).abs().max().item())
    return err
