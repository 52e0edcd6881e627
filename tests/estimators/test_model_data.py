"""The model and data path of ``estimate_llc``: the modules, dtypes, data shapes and losses researchers
actually have (issue 18).  Values are checked against the truth (a regular model of d sampled
parameters has λ = d/2) or against the same quantity computed another way."""

import math
import warnings

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader, Dataset, SubsetRandomSampler, TensorDataset

from estimators import BadData, BadSetting, LLCWarning, estimate_llc
from estimators._data import read_data
from estimators._objective import Objective, PairLoss
from estimators.llc import _WAICObserver

N = 1000
QUICK = dict(num_chains=2, max_steps=100, checks=False)


def _regression(n=N, d=2, seed=0, dtype=torch.float64):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n, d, generator=gen, dtype=dtype)
    y = x @ torch.linspace(1.0, -1.0, d, dtype=dtype) + torch.randn(n, generator=gen, dtype=dtype)
    return x, y


def _fitted_linear(x, y, dtype=torch.float64):
    net = torch.nn.Linear(x.shape[1], 1, bias=False).to(dtype)
    with torch.no_grad():
        net.weight.copy_(torch.linalg.lstsq(x.double(), y.double()[:, None]).solution.T.to(dtype))
    return net


def _quiet(**kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LLCWarning)
        return estimate_llc(**kwargs)


def _gaussian_loss(net, x, y):
    """L_n of the Gaussian NLL (σ = 1), computed directly."""
    with torch.no_grad():
        return float(((y - net(x)[:, 0]) ** 2).mean() / 2 + math.log(math.sqrt(2 * math.pi)))


# 1. frozen parameters ----------------------------------------------------------------------------

def test_frozen_parameters_are_not_sampled_and_the_head_alone_is_regular():
    x, y = _regression()
    torch.manual_seed(0)
    body = torch.nn.Linear(2, 2).double().requires_grad_(False)
    features = body(x).detach()
    head = _fitted_linear(features, y)
    model = torch.nn.Sequential(body, head)
    est = _quiet(model=model, data=(x, y), seed=1, checks=False, max_steps=2000)
    assert est.config.sampled == ("1.weight",) and est.config.num_sampled == 2
    assert est.mean == pytest.approx(1.0, abs=0.25)  # the head alone: d = 2, λ = 1


def test_a_module_with_nothing_trainable_is_refused():
    x, y = _regression()
    model = _fitted_linear(x, y).requires_grad_(False)
    with pytest.raises(BadSetting, match="no trainable parameters"):
        estimate_llc(model, (x, y))
    est = _quiet(model=model, data=(x, y), weights=["weight"], **QUICK)  # named explicitly: sampled
    assert est.config.sampled == ("weight",)


# 2. training-mode layers -------------------------------------------------------------------------

class _Normed(torch.nn.Module):
    def __init__(self, p_drop=0.0):
        super().__init__()
        self.norm = torch.nn.BatchNorm1d(2).double()
        self.drop = torch.nn.Dropout(p_drop)
        self.out = torch.nn.Linear(2, 1, bias=False).double()

    def forward(self, x):
        return self.out(self.drop(self.norm(x)))


def test_the_callers_module_is_not_changed_and_is_sampled_in_eval_mode():
    x, y = _regression()
    model = _Normed(p_drop=0.5)
    with torch.no_grad():
        model.norm.running_mean.fill_(0.3)
    model.train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    a = _quiet(model=model, data=(x, y), seed=3, **QUICK)
    assert model.training and model.norm.training and model.drop.training  # every mode restored
    for k, v in model.state_dict().items():
        assert torch.equal(v, before[k]), k  # running statistics included
    b = _quiet(model=model, data=(x, y), seed=3, **QUICK)
    np.testing.assert_array_equal(a.losses, b.losses)  # dropout off: same seed, same numbers
    assert a.config.mode == "eval"
    model.eval()
    with torch.no_grad():  # eval mode: the loss at w* is the running-statistics model's
        assert a.init_loss == pytest.approx(_gaussian_loss(model, x, y), rel=1e-12)


# 3. low precision --------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [torch.bfloat16, pytest.param(torch.float16, marks=pytest.mark.slow)])
def test_a_half_precision_module_is_sampled_in_float32(dtype):
    x, y = _regression(dtype=torch.float32)
    model = _fitted_linear(x, y, dtype=dtype)
    weight = model.weight.detach().clone()
    est = _quiet(model=model, data=(x, y), seed=0, max_steps=2000)
    assert est.config.dtype == "float32" and str(dtype).removeprefix("torch.") in est.config.dtype_source
    assert model.weight.dtype == dtype and torch.equal(model.weight.detach(), weight)
    # regular, d = 2: λ = 1, less the offset of the rounded w* from the minimum
    assert est.mean == pytest.approx(est.diagnostics.gaussian_target, abs=0.25)
    assert est.mean == pytest.approx(1.0, abs=0.3)


# 4. DataLoader semantics -------------------------------------------------------------------------

def test_a_loader_counts_the_rows_it_yields_through_its_sampler_and_collate_fn():
    x, y = _regression()
    model = _fitted_linear(x, y)
    rows = torch.arange(0, N, 10)
    loader = DataLoader(TensorDataset(x, y), batch_size=32, sampler=SubsetRandomSampler(rows.tolist()))
    est = _quiet(model=model, data=loader, **QUICK)
    assert est.config.n == 100 and est.nbeta == pytest.approx(100 / math.log(100))
    assert est.init_loss == pytest.approx(_gaussian_loss(model, x[rows], y[rows]), rel=1e-12)

    def doubled(items):
        xs, ys = zip(*items)
        return 2 * torch.stack(xs), torch.stack(ys)

    est = _quiet(model=model, data=DataLoader(TensorDataset(x, y), batch_size=50, collate_fn=doubled), **QUICK)
    assert est.init_loss == pytest.approx(_gaussian_loss(model, 2 * x, y), rel=1e-12)


class _Batches(Dataset):
    """A dataset whose items are already batches of 100 rows."""

    def __init__(self, x, y):
        self.x, self.y = x, y

    def __len__(self):
        return len(self.x) // 100

    def __getitem__(self, i):
        return self.x[100 * i:100 * (i + 1)], self.y[100 * i:100 * (i + 1)]


def test_a_loader_over_batches_counts_rows_not_items():
    x, y = _regression()
    model = _fitted_linear(x, y)
    est = _quiet(model=model, data=DataLoader(_Batches(x, y), batch_size=None), **QUICK)
    assert est.config.n == N
    assert est.init_loss == pytest.approx(_gaussian_loss(model, x, y), rel=1e-12)


# 5. loss reduction -------------------------------------------------------------------------------

def test_a_loss_that_sums_or_does_not_reduce_is_refused_by_name():
    x, y = _regression()
    model = _fitted_linear(x, y)
    summed = torch.nn.MSELoss(reduction="sum")
    with pytest.raises(BadData, match="sums over the batch.*reduction='mean'"):
        estimate_llc(model, (x, y[:, None]), loss_fn=summed)
    per_sample = torch.nn.MSELoss(reduction="none")
    with pytest.raises(BadData, match=r"returned \(16, 1\).*mean negative log-likelihood"):
        estimate_llc(model, (x, y[:, None]), loss_fn=per_sample)


# 6. degenerate targets ---------------------------------------------------------------------------

def test_a_loss_that_does_not_depend_on_the_sampled_parameters_is_an_error():
    x, y = _regression()
    model = _fitted_linear(x, y)
    with pytest.raises(BadData, match="does not change when the sampled parameters move"):
        estimate_llc(model, (x, y), loss_fn=lambda out, target: (target**2).mean())
    constant_output = torch.nn.Sequential(torch.nn.Linear(2, 3).double(), torch.nn.Linear(3, 1).double())
    with torch.no_grad():
        constant_output[1].weight.zero_()  # the first layer cannot reach the output
    with pytest.raises(BadData, match="does not change"):
        estimate_llc(constant_output, (x, y), weights=["0.*"])
    with pytest.raises(BadData, match="at least 2 classes"):  # one logit: cross-entropy is 0 for all weights
        estimate_llc(model, (x, torch.zeros(N, dtype=torch.long)))


class _FlatProduct(torch.nn.Module):
    """y = a·b²·x: at a = b = 0 the loss is flat to sixth order, yet it depends on (a, b)."""

    def __init__(self):
        super().__init__()
        self.a = torch.nn.Parameter(torch.zeros((), dtype=torch.float64))
        self.b = torch.nn.Parameter(torch.zeros((), dtype=torch.float64))

    def forward(self, x):
        return self.a * self.b**2 * x[:, 0]


def test_a_minimum_flat_to_high_order_is_not_mistaken_for_a_constant_loss():
    x, _ = _regression(d=1)
    y = torch.randn(N, generator=torch.Generator().manual_seed(5), dtype=torch.float64)
    est = _quiet(model=_FlatProduct(), data=(x, y), **QUICK)
    assert math.isfinite(est.mean)


# 7. small batches --------------------------------------------------------------------------------

def test_a_given_batch_below_what_the_noise_needs_is_doubtful_and_says_so():
    x, y = _regression(n=4000)
    model = _fitted_linear(x, y)
    est = _quiet(model=model, data=(x, y), batch_size=4, gradient_control_variate=False, seed=0, checks=False,
                 max_steps=1000)
    assert est.config.advised_batch_size is not None and est.config.advised_batch_size > 4
    assert est.verdict != "ok"
    assert any("given batch size 4" in reason for reason in est.diagnostics.trust.reasons)


# 8. mappings and batch losses --------------------------------------------------------------------

class _Named(Dataset):
    def __init__(self, x, y):
        self.x, self.y = x, y

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return {"x": self.x[i], "y": self.y[i]}


def test_named_fields_and_a_batch_loss_reach_the_same_loss():
    x, y = _regression()
    model = _fitted_linear(x, y)
    truth = _gaussian_loss(model, x, y)
    named = _quiet(model=model, data=_Named(x, y), **QUICK)
    assert named.init_loss == pytest.approx(truth, rel=1e-12)

    def nll(module, batch):
        return ((batch["y"] - module(batch["x"])[:, 0]) ** 2).mean() / 2 + math.log(math.sqrt(2 * math.pi))

    custom = _quiet(model=model, data={"x": x, "y": y}, batch_loss=nll, **QUICK)
    assert custom.init_loss == pytest.approx(truth, rel=1e-12) and "batch_loss" in custom.config.loss
    with pytest.raises(BadData, match="named \\['inputs_a', 'b'\\]"):
        estimate_llc(model, {"inputs_a": x, "b": y})
    with pytest.raises(BadSetting, match="pass one of them"):
        estimate_llc(model, (x, y), loss_fn=lambda o, t: o.mean(), batch_loss=nll)


def test_token_ids_without_targets_with_a_batch_loss():
    gen = torch.Generator().manual_seed(0)
    tokens = torch.randint(0, 5, (400, 6), generator=gen)
    bigram = torch.nn.Sequential(torch.nn.Embedding(5, 5)).double()

    def next_token(module, ids):
        logits = module(ids[:, :-1])
        return torch.nn.functional.cross_entropy(logits.reshape(-1, 5), ids[:, 1:].reshape(-1))

    est = _quiet(model=bigram, data=tokens, batch_loss=next_token, **QUICK)
    assert est.config.n == 400 and math.isfinite(est.mean)
    with torch.no_grad():
        assert est.init_loss == pytest.approx(float(next_token(bigram, tokens)), rel=1e-12)
    with pytest.raises(BadData, match="1 field.*batch_loss"):
        estimate_llc(bigram, tokens)


# 9. forward outputs ------------------------------------------------------------------------------

class _Wrapped(torch.nn.Module):
    def __init__(self, inner, form):
        super().__init__()
        self.inner, self.form = inner, form

    def forward(self, x):
        out = self.inner(x)
        return (out, torch.zeros(1)) if self.form == "tuple" else {"logits": out, "cache": None}


@pytest.mark.parametrize("form", ["tuple", "dict"])
def test_a_forward_returning_a_tuple_or_a_mapping_is_read(form):
    x, y = _regression()
    inner = _fitted_linear(x, y)
    est = _quiet(model=_Wrapped(inner, form), data=(x, y), **QUICK)
    assert est.init_loss == pytest.approx(_gaussian_loss(inner, x, y), rel=1e-12)


def test_an_unreadable_output_is_named():
    class Odd(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = torch.nn.Parameter(torch.ones(2, dtype=torch.float64))

        def forward(self, x):
            return {"scores": x @ self.w}

    x, y = _regression()
    with pytest.raises(BadData, match="returned a dict with keys \\['scores'\\].*batch_loss"):
        estimate_llc(Odd(), (x, y))


# 10. numpy and dtypes ----------------------------------------------------------------------------

def test_numpy_data_and_numpy_scalars_are_accepted_and_data_is_cast_to_the_module():
    x, y = _regression()
    model = _fitted_linear(x, y)
    a = _quiet(model=model, data=(x.numpy(), y.numpy()), num_draws=np.int64(20), step_size=np.float32(1e-4),
               num_burnin=np.int32(0), num_chains=np.int64(2), checks=False)
    b = _quiet(model=model, data=(x, y), num_draws=20, step_size=float(np.float32(1e-4)), num_burnin=0,
               num_chains=2, checks=False)
    np.testing.assert_array_equal(a.losses, b.losses)
    single = _fitted_linear(x, y, dtype=torch.float32)
    est = _quiet(model=single, data=(x, y), **QUICK)  # float64 data, float32 module
    assert "float64 fields cast to float32" in est.config.data_source
    with pytest.raises(BadSetting, match="num_draws"):
        estimate_llc(model, (x, y), num_draws=np.float64(2.5))


# 11. the default loss's choice is named ----------------------------------------------------------

def test_integer_counts_with_the_default_loss_name_the_choice():
    x, y = _regression()
    model = _fitted_linear(x, y)
    counts = torch.poisson(torch.full((N,), 3.0), generator=torch.Generator().manual_seed(0)).long()
    with pytest.raises(BadData, match="cross_entropy_nll\\(\\), the default because Y is torch.int64"):
        estimate_llc(model, (x, counts))


# 12. tied weights --------------------------------------------------------------------------------

class _Tied(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = torch.nn.Linear(2, 2, bias=False).double()
        self.head = torch.nn.Linear(2, 2, bias=False).double()
        self.head.weight = self.enc.weight

    def forward(self, x):
        return self.head(torch.tanh(self.enc(x)))


def test_a_tied_parameter_is_selected_by_any_of_its_names():
    x, _ = _regression()
    model = _Tied()
    y = model(x).detach()
    by_alias = _quiet(model=model, data=(x, y), weights=["head.weight"], seed=2, **QUICK)
    by_name = _quiet(model=model, data=(x, y), weights=["enc.weight"], seed=2, **QUICK)
    assert by_alias.config.sampled == ("enc.weight",) and by_alias.config.num_sampled == 4
    np.testing.assert_array_equal(by_alias.losses, by_name.losses)


# 14. WAIC in streaming form ----------------------------------------------------------------------

def test_waic_accumulated_as_draws_come_equals_the_formula_on_every_draw():
    x, y = _regression(n=50)
    model = _fitted_linear(x, y)
    objective = Objective(model, PairLoss(lambda o, t: ((t - o[:, 0]) ** 2).mean() / 2), {})
    data = read_data((x, y), device=torch.device("cpu"), dtype=torch.float64)
    center = {"weight": model.weight.detach()}
    gen = torch.Generator().manual_seed(0)
    draws = [{"weight": center["weight"] + 0.1 * torch.randn((3, 1, 2), generator=gen, dtype=torch.float64)}
             for _ in range(40)]
    observer = _WAICObserver(objective, data, center, chains=3, draws=40)
    for t, params in enumerate(draws):
        observer(t, params, torch.zeros(3, dtype=torch.float64))  # the recorded loss, which WAIC does not read
    assert observer.sum.shape == (3, 50)  # the memory does not grow with the draws
    kept = [0, 2]
    waic = observer.result(kept, nbeta=20.0, n=50)
    nll = torch.stack([((y - (x @ p["weight"][c, 0])) ** 2) / 2 for p in draws for c in kept])  # (draws, n)
    variance = float(nll.var(dim=0).sum())
    training = float(-torch.log(torch.exp(-nll).mean(dim=0)).mean())
    assert waic.num_draws == 80
    assert waic.functional_variance == pytest.approx(variance, rel=1e-9)
    assert waic.training_loss == pytest.approx(training, rel=1e-9)
    assert waic.waic == pytest.approx(training + 20.0 / 50 * variance / 50, rel=1e-9)


# 15. masks ---------------------------------------------------------------------------------------

@pytest.mark.slow  # 25 s: two MALA estimates to 5%; test_masks_of_two_names_of_one_tied_tensor_are_united samples masks in the default run
def test_a_mask_samples_only_its_entries_and_a_regular_slice_gives_half_its_size():
    x, y = _regression(d=4)
    model = _fitted_linear(x, y)
    mask = torch.tensor([[True, False, True, False]])
    est = _quiet(model=model, data=(x, y), weights={"weight": mask}, seed=0, checks=False, max_steps=2000)
    assert est.config.num_sampled == 2 and est.config.sampled == ("weight (2 of 4 entries)",)
    assert est.mean == pytest.approx(1.0, abs=0.25)  # two regular directions: λ = 1
    whole = _quiet(model=model, data=(x, y), weights={"weight": torch.ones(1, 4, dtype=torch.bool)}, seed=4, **QUICK)
    by_name = _quiet(model=model, data=(x, y), weights=["weight"], seed=4, **QUICK)
    np.testing.assert_allclose(whole.losses, by_name.losses, rtol=1e-12)


@pytest.mark.parametrize("mask, match", [
    (torch.ones(2, 2, dtype=torch.bool), "shape \\(2, 2\\)"),
    (torch.zeros(1, 4, dtype=torch.bool), "selects no entry"),
    (torch.tensor([7]), "outside \\[0, 4\\)"),
    (torch.ones(1, 4), "boolean mask"),
])
def test_bad_masks_are_named(mask, match):
    x, y = _regression(d=4)
    with pytest.raises(BadSetting, match=match):
        estimate_llc(_fitted_linear(x, y), (x, y), weights={"weight": mask})


# 16. optional traces -----------------------------------------------------------------------------

def test_traces_are_kept_per_draw_when_asked():
    x, y = _regression()
    model = _fitted_linear(x, y)
    est = _quiet(model=model, data=(x, y), traces=["distance", "gradient_norm", "noise_norm"], num_draws=30,
                 num_burnin=10, step_size=1e-4, num_chains=2, checks=False)
    assert set(est.traces) == {"distance", "gradient_norm", "noise_norm"}
    assert all(trace.shape == (2, 30) for trace in est.traces.values())
    # SGLD's increment is √ε·ξ with ξ standard normal in d = 2: E‖·‖² = 2ε
    assert float(np.mean(est.traces["noise_norm"] ** 2)) == pytest.approx(2e-4, rel=0.3)
    assert _quiet(model=model, data=(x, y), **QUICK).traces == {}
    with pytest.raises(BadSetting, match="traces"):
        estimate_llc(model, (x, y), traces=["curvature"])


# 18. arguments at the edge -----------------------------------------------------------------------

@pytest.mark.parametrize("change, match", [
    (dict(weights=5), "weights=5 must be parameter names"),
    (dict(device="cuda:7"), "device='cuda:7' is not available"),
    (dict(device="nonsense"), "device='nonsense' is not a torch device"),
    (dict(seed=-1), "seed"),
    (dict(model=None), "model"),
])
def test_bad_arguments_are_named(change, match):
    x, y = _regression()
    kwargs = dict(model=_fitted_linear(x, y), data=(x, y)) | change
    with pytest.raises(BadSetting, match=match):
        estimate_llc(**kwargs)


# neighbours found by a fresh-eyes tester --------------------------------------------------------

class _Keywords(torch.nn.Module):
    """A module of two named inputs, the second a per-row mask that zeroes the prediction."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x, keep):
        return self.net(x) * keep[:, None]


def test_every_field_of_a_mapping_reaches_the_module():
    x, y = _regression()
    net = _fitted_linear(x, y)
    keep = (torch.arange(N) % 2).double()
    est = _quiet(model=_Keywords(net), data={"x": x, "keep": keep, "y": y}, **QUICK)
    with torch.no_grad():
        truth = float(((y - net(x)[:, 0] * keep) ** 2).mean() / 2 + math.log(math.sqrt(2 * math.pi)))
    assert est.init_loss == pytest.approx(truth, rel=1e-12)


def test_sequence_logits_with_the_default_cross_entropy_point_to_batch_loss():
    emb = torch.nn.Embedding(6, 6).double()
    ids = torch.randint(0, 6, (100, 6), generator=torch.Generator().manual_seed(0))
    with pytest.raises(BadData, match="Sequence logits.*batch_loss"):
        estimate_llc(emb, {"input_ids": ids, "labels": ids})


def test_masks_of_two_names_of_one_tied_tensor_are_united():
    x, _ = _regression()
    model = _Tied()
    y = model(x).detach()
    first, second = torch.zeros(2, 2, dtype=torch.bool), torch.zeros(2, 2, dtype=torch.bool)
    first[0, 0], second[1, 1] = True, True
    est = _quiet(model=model, data=(x, y), weights={"enc.weight": first, "head.weight": second}, **QUICK)
    assert est.config.num_sampled == 2
    est = _quiet(model=model, data=(x, y), weights={"enc.weight": first, "head.weight": np.True_}, **QUICK)
    assert est.config.num_sampled == 4


class _Augmenting(torch.nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net, self.augment = net, True

    def train(self, mode=True):
        self.augment = mode
        return super().train(mode)

    def forward(self, x):
        return self.net(x)


def test_a_module_with_its_own_train_gets_its_state_back():
    x, y = _regression()
    model = _Augmenting(_fitted_linear(x, y)).train()
    _quiet(model=model, data=(x, y), **QUICK)
    assert model.training and model.augment


def test_a_loader_with_its_own_generator_is_seeded_and_left_alone():
    x, y = _regression()
    model = _fitted_linear(x, y)
    gen = torch.Generator().manual_seed(7)
    loader = DataLoader(TensorDataset(x, y), batch_size=100, shuffle=True, generator=gen)
    state = gen.get_state()
    a = _quiet(model=model, data=loader, **QUICK)
    b = _quiet(model=model, data=loader, **QUICK)
    np.testing.assert_array_equal(a.losses, b.losses)
    assert torch.equal(gen.get_state(), state)


def test_inference_mode_a_list_of_samples_and_a_batch_sampler():
    x, y = _regression()
    model = _fitted_linear(x, y)
    with torch.inference_mode():
        est = _quiet(model=model, data=(x.clone(), y.clone()), **QUICK)
    assert math.isfinite(est.mean)
    listed = _quiet(model=model, data=list(zip(x, y)), **QUICK)
    assert listed.config.n == N and listed.init_loss == pytest.approx(_gaussian_loss(model, x, y), rel=1e-12)
    sampler = torch.utils.data.BatchSampler(torch.utils.data.SequentialSampler(range(N)), 50, drop_last=False)
    est = _quiet(model=model, data=DataLoader(TensorDataset(x, y), batch_sampler=sampler), **QUICK)
    assert est.config.batch_size == 50


class _Detached(torch.nn.Module):
    """The weight reaches the output detached; the bias does not."""

    def __init__(self, net):
        super().__init__()
        self.net = net
        self.bias = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))

    def forward(self, x):
        return torch.nn.functional.linear(x, self.net.weight.detach(), self.bias)


@pytest.mark.parametrize("case, match", [
    ("float", "returned a float.*not .item"),
    ("detached loss", "no gradient with respect to the sampled parameters"),
    ("detached weight", "depends on net.weight but has no gradient"),
    ("batch statistics", "depend on the rest of the batch"),
    ("empty weights", "selects no parameter"),
    ("string keys", "items 0 … len − 1"),
    ("object array", "dtype object"),
    ("sparse", "sparse"),
    ("meta model", "meta device"),
    ("half forward", "casts its inputs to half"),
])
def test_neighbour_faults_are_named(case, match):
    x, y = _regression()
    model = _fitted_linear(x, y)
    run = dict(model=model, data=(x, y))
    if case == "float":
        run["loss_fn"] = lambda out, target: float(((out[:, 0] - target) ** 2).mean())
    elif case == "detached loss":
        run["loss_fn"] = lambda out, target: ((out[:, 0] - target) ** 2).mean().detach()
    elif case == "detached weight":
        run["model"] = _Detached(model)
    elif case == "batch statistics":
        run["model"] = torch.nn.Sequential(torch.nn.BatchNorm1d(2, track_running_stats=False).double(), model)
    elif case == "empty weights":
        run["weights"] = []
    elif case == "string keys":
        class Keyed(Dataset):
            def __len__(self):
                return N

            def __getitem__(self, key):
                return x[int(key[1:])], y[int(key[1:])]
        run["data"] = Keyed()
    elif case == "object array":
        run["data"] = (x.numpy().astype(object), y.numpy())
    elif case == "sparse":
        run["data"] = (x.to_sparse(), y)
    elif case == "meta model":
        run["model"] = torch.nn.Linear(2, 1, device="meta")
    elif case == "half forward":
        class Halving(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.lin = torch.nn.Linear(2, 1).half()

            def forward(self, inputs):
                return self.lin(inputs.half())
        run["model"], run["data"] = Halving(), (x.float(), y.float())
    with pytest.raises((BadData, BadSetting), match=match):
        estimate_llc(**run, **QUICK)
