"""PyTorch experiments (rules CE201-CE209, CE901) on the cell's torch."""

import math

from watch import Stage


def experiments(spec):
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(1)

    def guarded(fn):
        with Stage() as s:
            value = fn()
        return {"value": value if s.error is None else None, "warnings": s.warnings, "error": s.error}

    def ce_after_softmax():
        """CE201: cross_entropy of softmax outputs, 10 classes, target 0, by target-logit margin."""
        out = {}
        for margin in (0.0, 20.0, -20.0):
            row = {}
            for label, through in (("logits", False), ("softmax", True)):
                z = torch.zeros(1, 10)
                z[0, 0] = margin
                z.requires_grad_(True)

                def run():
                    loss = F.cross_entropy(torch.softmax(z, dim=1) if through else z, torch.tensor([0]))
                    loss.backward()
                    return [loss.item(), z.grad.norm().item()]
                row[label] = guarded(run)
            out["margin %+g" % margin] = row
        return out

    def nll_without_log():
        """CE202: nll_loss fed softmax probabilities or raw logits."""
        z = torch.tensor([[3.0, 1.0, 0.0]])
        t = torch.tensor([0])
        return {"probabilities": guarded(lambda: F.nll_loss(torch.softmax(z, 1), t).item()),
                "logits": guarded(lambda: F.nll_loss(z, t).item()),
                "log_softmax": guarded(lambda: F.nll_loss(torch.log_softmax(z, 1), t).item())}

    def bce_on_logits():
        """CE203: BCELoss fed a raw linear output."""
        y = torch.tensor([1.0, 0.0])
        return {"inside [0, 1]": guarded(lambda: F.binary_cross_entropy(torch.tensor([0.7, 0.2]), y).item()),
                "outside [0, 1]": guarded(lambda: F.binary_cross_entropy(torch.tensor([2.5, -1.0]), y).item())}

    def sigmoid_bce_with_logits():
        """CE204: BCEWithLogitsLoss fed sigmoid outputs: the bounds of the loss."""
        def bounds():
            z = torch.tensor([-40.0, 40.0])
            s = torch.sigmoid(z)
            pos = F.binary_cross_entropy_with_logits(s, torch.ones(2), reduction="none")
            return {"y=1 range": sorted(pos.tolist())}
        return {"sigmoid outputs": guarded(bounds)}

    def implicit_dim():
        """CE205: softmax without dim: warning, and the axis it picks by rank."""
        out = {}
        for ndim in (1, 2, 3, 4):
            x = torch.arange(2 ** ndim, dtype=torch.float32).reshape((2,) * ndim)

            def run(x=x):
                y = F.softmax(x)
                return [d for d in range(x.ndim) if torch.allclose(y.sum(d), torch.ones(()))][:1]
            out["%d-D" % ndim] = guarded(run)
        return out

    def multihot_cross_entropy():
        """CE206: cross_entropy with float multi-hot targets (class-probability targets)."""
        z = torch.tensor([[1.0, 0.2, -0.3, 0.8]])
        y = torch.tensor([[1.0, 0.0, 0.0, 1.0]])
        best = torch.tensor([[9.0, -9.0, -9.0, 9.0]])
        return {"loss": guarded(lambda: F.cross_entropy(z, y).item()),
                "minimum": guarded(lambda: F.cross_entropy(best, y).item()), "floor": 2 * math.log(2)}

    def single_logit_cross_entropy():
        """CE207: cross_entropy on one output unit."""
        def zero_targets():
            z = torch.randn(4, 1, requires_grad=True)
            loss = F.cross_entropy(z, torch.zeros(4, dtype=torch.long))
            loss.backward()
            return [loss.item(), z.grad.abs().max().item()]
        return {"targets 0": guarded(zero_targets),
                "target 1": guarded(lambda: F.cross_entropy(torch.randn(4, 1), torch.tensor([0, 1, 0, 1])).item())}

    def elementwise_accuracy():
        """CE208: element-wise accuracy of a model that never predicts a label, 10 labels, 1 positive each."""
        y = torch.eye(10)
        pred = torch.zeros(10, 10)
        return {"element-wise": ((pred.round() == y).float().mean().item()),
                "exact match": ((pred.round() == y).all(dim=1).float().mean().item())}

    def bce_under_autocast():
        """CE209: BCELoss under CPU autocast (run) and the kernel CUDA autocast dispatches to."""
        lin = torch.nn.Linear(3, 1)
        x, y = torch.randn(4, 3), torch.tensor([[1.0], [0.0], [1.0], [0.0]])

        def cpu():
            with torch.autocast("cpu", dtype=torch.bfloat16):
                return str(torch.nn.BCELoss()(torch.sigmoid(lin(x)), y).dtype)

        def cuda_kernel():
            op = torch.ops.aten.binary_cross_entropy.default
            keys = torch._C.DispatchKeySet(torch._C.DispatchKey.AutocastCUDA)
            return op.redispatch(keys, torch.tensor([0.5]), torch.tensor([1.0])).item()
        return {"cpu autocast": guarded(cpu), "AutocastCUDA kernel (called on CPU)": guarded(cuda_kernel),
                "cuda available": torch.cuda.is_available()}

    def bce_clamp():
        """CE901: BCELoss's log clamp at -100 against BCEWithLogitsLoss."""
        z, y = torch.tensor([40.0]), torch.tensor([0.0])
        return {"BCELoss(sigmoid(40), 0)": guarded(lambda: F.binary_cross_entropy(torch.sigmoid(z), y).item()),
                "BCEWithLogitsLoss(40, 0)": guarded(lambda: F.binary_cross_entropy_with_logits(z, y).item())}

    return [("ce_after_softmax", ce_after_softmax), ("nll_without_log", nll_without_log),
            ("bce_on_logits", bce_on_logits), ("sigmoid_bce_with_logits", sigmoid_bce_with_logits),
            ("implicit_dim", implicit_dim), ("multihot_cross_entropy", multihot_cross_entropy),
            ("single_logit_cross_entropy", single_logit_cross_entropy), ("elementwise_accuracy", elementwise_accuracy),
            ("bce_under_autocast", bce_under_autocast), ("bce_clamp", bce_clamp)]
