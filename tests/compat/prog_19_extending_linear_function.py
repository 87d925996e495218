# Source: PyTorch documentation, "Extending PyTorch: Extending torch.autograd" (the
# LinearFunction example with ctx.needs_input_grad), used to fit a linear map
# path: docs/source/notes/extending.rst (pytorch/pytorch)
# https://pytorch.org/docs/stable/notes/extending.html#extending-torch-autograd
# Written out from the documented steps; changed: the import, and a training loop around it
# (the documentation shows the Function alone).

METRIC, BOUND = "final mean squared error", 1e-3


def main(torch):
    class LinearFunction(torch.autograd.Function):
        @staticmethod
        def forward(ctx, input, weight, bias=None):
            ctx.save_for_backward(input, weight, bias)
            output = input.mm(weight.t())
            if bias is not None:
                output += bias.unsqueeze(0).expand_as(output)
            return output

        @staticmethod
        def backward(ctx, grad_output):
            input, weight, bias = ctx.saved_tensors
            grad_input = grad_weight = grad_bias = None
            if ctx.needs_input_grad[0]:
                grad_input = grad_output.mm(weight)
            if ctx.needs_input_grad[1]:
                grad_weight = grad_output.t().mm(input)
            if bias is not None and ctx.needs_input_grad[2]:
                grad_bias = grad_output.sum(0)
            return grad_input, grad_weight, grad_bias

    torch.manual_seed(0)
    x = torch.randn(64, 3)
    y = x.mm(torch.tensor([[1.0, -1.0, 2.0], [0.5, 0.0, -3.0]]).t()) + torch.tensor([0.3, -0.7])
    weight = torch.zeros(2, 3, requires_grad=True)
    bias = torch.zeros(2, requires_grad=True)
    opt = torch.optim.SGD([weight, bias], lr=0.1)
    for _ in range(200):
        opt.zero_grad()
        loss = ((LinearFunction.apply(x, weight, bias) - y) ** 2).mean()
        loss.backward()
        opt.step()
    return loss.item()
