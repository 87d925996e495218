# Source: pytorch/examples, word_language_model (RNNModel with an LSTM, batchify, get_batch,
# repackage_hidden, the train() loop with clip_grad_norm_ and the manual p.data.add_ update)
# paths: word_language_model/model.py, word_language_model/main.py
# https://github.com/pytorch/examples/tree/main/word_language_model
# Written out from the example's steps; changed: the import, the data loading (a small
# generated corpus of 20 tokens instead of Wikitext-2), and sizes (emsize 32, nhid 32,
# 1 layer, dropout 0, 6 epochs; its flags --nlayers, --dropout) so it runs in seconds.
import math

METRIC, BOUND = "training loss in the last epoch (uniform guessing: ln 20 = 3.0)", 1.5


def main(torch):
    nn = torch.nn
    F = torch.nn.functional

    class RNNModel(nn.Module):
        def __init__(self, rnn_type, ntoken, ninp, nhid, nlayers, dropout=0.5):
            super().__init__()
            self.ntoken = ntoken
            self.drop = nn.Dropout(dropout)
            self.encoder = nn.Embedding(ntoken, ninp)
            self.rnn = getattr(nn, rnn_type)(ninp, nhid, nlayers, dropout=dropout)
            self.decoder = nn.Linear(nhid, ntoken)
            self.init_weights()
            self.rnn_type, self.nhid, self.nlayers = rnn_type, nhid, nlayers

        def init_weights(self):
            initrange = 0.1
            nn.init.uniform_(self.encoder.weight, -initrange, initrange)
            nn.init.zeros_(self.decoder.bias)
            nn.init.uniform_(self.decoder.weight, -initrange, initrange)

        def forward(self, input, hidden):
            emb = self.drop(self.encoder(input))
            output, hidden = self.rnn(emb, hidden)
            output = self.drop(output)
            decoded = self.decoder(output)
            decoded = decoded.view(-1, self.ntoken)
            return F.log_softmax(decoded, dim=1), hidden

        def init_hidden(self, bsz):
            weight = next(self.parameters())
            return (
                weight.new_zeros(self.nlayers, bsz, self.nhid),
                weight.new_zeros(self.nlayers, bsz, self.nhid),
            )

    def batchify(data, bsz):
        nbatch = data.size(0) // bsz
        data = data.narrow(0, 0, nbatch * bsz)
        data = data.view(bsz, -1).t().contiguous()
        return data

    bptt = 10

    def get_batch(source, i):
        seq_len = min(bptt, len(source) - 1 - i)
        data = source[i : i + seq_len]
        target = source[i + 1 : i + 1 + seq_len].view(-1)
        return data, target

    def repackage_hidden(h):
        if isinstance(h, torch.Tensor):
            return h.detach()
        return tuple(repackage_hidden(v) for v in h)

    torch.manual_seed(0)
    ntokens = 20
    corpus = torch.tensor([(i * 7) % ntokens for i in range(2000)])  # a learnable pattern
    train_data = batchify(corpus, 20)
    model = RNNModel("LSTM", ntokens, 32, 32, 1, dropout=0.0)
    model.rnn.flatten_parameters()
    criterion = nn.NLLLoss()
    lr, clip = 20.0, 0.25  # the example's defaults

    def train():
        model.train()
        total_loss, n = 0.0, 0
        hidden = model.init_hidden(20)
        for batch, i in enumerate(range(0, train_data.size(0) - 1, bptt)):
            data, targets = get_batch(train_data, i)
            model.zero_grad()
            hidden = repackage_hidden(hidden)
            output, hidden = model(data, hidden)
            loss = criterion(output, targets)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
            for p in model.parameters():
                p.data.add_(p.grad, alpha=-lr)
            total_loss += loss.item()
            n += 1
        return total_loss / n

    for epoch in range(1, 7):
        cur_loss = train()
        _ = f"| epoch {epoch:3d} | loss {cur_loss:5.2f} | ppl {math.exp(cur_loss):8.2f}"
    return cur_loss
