# Source: pytorch/examples, regression/main.py (fit a degree-4 polynomial with one Linear
# layer, smooth_l1_loss and the manual param.data.add_ update, until the loss is below 1e-3)
# path: regression/main.py
# https://github.com/pytorch/examples/blob/main/regression/main.py
# Written out from the example's steps; changed: the import only.

METRIC, BOUND = "final smooth L1 loss", 1e-3


def main(torch):
    F = torch.nn.functional
    POLY_DEGREE = 4
    torch.manual_seed(0)
    W_target = torch.randn(POLY_DEGREE, 1) * 5
    b_target = torch.randn(1) * 5

    def make_features(x):
        x = x.unsqueeze(1)
        return torch.cat([x**i for i in range(1, POLY_DEGREE + 1)], 1)

    def f(x):
        return x.mm(W_target) + b_target.item()

    def get_batch(batch_size=32):
        random = torch.randn(batch_size)
        x = make_features(random)
        y = f(x)
        return x, y

    fc = torch.nn.Linear(W_target.size(0), 1)
    for batch_idx in range(1, 20001):
        batch_x, batch_y = get_batch()
        fc.zero_grad()
        output = F.smooth_l1_loss(fc(batch_x), batch_y)
        loss = output.item()
        output.backward()
        for param in fc.parameters():
            param.data.add_(-0.1 * param.grad)
        if loss < 1e-3:
            break
    return loss
