#!/usr/bin/python3
"""numpy_paths.py: numpy_model.py's path model over a batch of paths.

simulate(p) computes every series and metric of docs/model.md §3-§7 for
the paths of a Params (numpy_scenario.py), the IRR with the scan and root
of §7.  Imported by numpy_model.py, the entry point.
"""
import functools
import math

import numpy as np

from numpy_scenario import METHODS, SERIES, SERIES_INDEX

# --------------------------------------------------------------------------
# The model over a batch of paths.  Inside, every array has the paths along
# its LAST axis (a year's values of a quantity are one contiguous row), so
# that a year's work is a few operations on whole rows.


def _purchase_plan(p):
    """model.md §4: what each year's compute capex buys.  The frontier, the
    ramp and the second generation depend on the parameters only, not on the
    path's state, so they are found for all years at once: (H, P) arrays."""
    H, P = p.H, p.P
    years = (p.start + np.arange(H))[:, None]                 # (H, 1)
    gyear, gcost, gopex = (np.ascontiguousarray(a.T) for a in (p.gyear, p.gcost, p.gopex))  # (G, P)
    psi = p.r + 1.0 / p.L_p
    u = psi * gcost + gopex
    cols = np.arange(P)
    # Frontier: the available generation with the lowest u, else the earliest
    # (ties: the first listed, as argmin).
    f, u_f = _lowest(u, lambda g: gyear[g] <= years)
    f = np.where(np.isfinite(u_f), f, np.argmin(gyear, axis=0))
    at_f = f * P + cols        # flat indices of (f, path) in a (G, P) array
    u_f = u.take(at_f)
    # A ramp year: f is the frontier for the first time and released this
    # year with a share < 1; the rest buys the best older generation that
    # passes the retirement test (opex <= u_f).
    first = np.empty((H, P), bool)
    was_front = np.zeros(gyear.size, bool)
    for t in range(H):
        first[t] = ~was_front.take(at_f[t])
        was_front[at_f[t]] = True
    f2, u_f2 = _lowest(u, lambda g: (gyear[g] < years) & (gopex[g] <= u_f))
    at_f2 = f2 * P + cols
    sf = np.ascontiguousarray(p.gramp.T).take(at_f)
    has2 = first & (gyear.take(at_f) == years) & (sf < 1) & np.isfinite(u_f2)
    return {"psi": psi, "u_f": u_f, "cost_f": gcost.take(at_f), "opex_f": gopex.take(at_f),
            "cost_f2": gcost.take(at_f2), "opex_f2": gopex.take(at_f2), "has2": has2,
            "s": np.where(has2, sf, 1.0)}


def _lowest(u, ok):
    """Per year and path, the generation g with ok(g) of lowest u[g] (the
    first listed on ties; 0 when none) and that u (+inf when none): u (G, P),
    ok(g) an (H, P) mask.  A loop over generations on (H, P) arrays."""
    best = np.where(ok(0), u[0], np.inf)
    g_best = np.zeros(best.shape, np.intp)
    for g in range(1, u.shape[0]):
        ug = np.where(ok(g), u[g], np.inf)
        lower = ug < best
        np.copyto(g_best, g, where=lower)
        np.copyto(best, ug, where=lower)
    return g_best, best


def _revenue(p):
    """model.md §5: reported revenue R, (H, P).  Revenue is exogenous (no
    capex or capacity enters it), so it is computed before the fleet."""
    H, P = p.H, p.P
    R = np.empty((H, P))
    eps = p.eps.T
    R_prev = p.base if p.process == "growth" else np.full(P, np.nan)
    x = p.g_init - p.g_bar if p.process == "growth" else None
    z = np.zeros(P)
    bust = np.zeros(P, bool)
    for t in range(H):
        year = p.start + t
        if t < len(p.observed):
            # An observed year: the data, boom, and the process state from the data.
            R[t] = p.observed[t]
            bust = np.zeros(P, bool)
            if p.process == "growth":
                x = np.log(R[t] / R_prev) - p.g_bar
            else:
                z = np.log(R[t] * (1 + np.exp(-p.speed * (year - p.midpoint))) / p.market)
            R_prev = R[t]
            continue
        if p.regime:
            ut = p.u_regime[:, t]
            bust = np.where(bust, ~(ut < p.p_recover), ut < p.p_bust)
        else:
            bust = np.zeros(P, bool)  # without the chain, a year that is not forced is boom
        if t in p.forced:
            bust = np.full(P, p.forced[t])
        shift = np.where(bust, p.bust_shift, 0.0)
        if p.process == "growth":
            x = p.phi * x + p.sigma * eps[t]
            R[t] = R_prev * np.exp(p.g_bar + x + shift)
        else:
            z = p.phi * z + p.sigma * eps[t]
            R[t] = p.market / (1 + np.exp(-p.speed * (year - p.midpoint))) * np.exp(z + shift)
        R_prev = R[t]
    return R


class _Fleet:
    """The vintages of model.md §4 on P paths.  A vintage has two parts (its
    generation f and, in a ramp year, the older f'), stored as (vintage,
    part, path) arrays of shape (H, 2, P): the vintages bought so far are
    the rows [:t+1], reduced over (vintage, part) in the order v = 0, 1, ...
    (part f, then part f'), as the year loop of model.md §4 sums.  A part
    that is retired, or was never bought, has Q = B = 0, so sums over parts
    need no mask; until the first ramp year of any path only parts f are
    visited.  Facilities are per vintage, (H, P)."""

    def __init__(self, p, plan):
        H, P = p.H, p.P
        self.Q, self.opex, self.B = np.zeros((H, 2, P)), np.zeros((H, 2, P)), np.zeros((H, 2, P))
        self.dA, self.tol = np.zeros((H, 2, P)), np.zeros((H, 2, P))
        self.alive = np.zeros((H, 2, P), bool)
        self.F, self.dF, self.tolF = np.zeros((H, P)), np.zeros((H, P)), np.zeros((H, P))
        self.L_p, self.L_a, self.L_f, self.psi = p.L_p, p.L_a, p.L_f, plan["psi"]
        # Parts in use in year t: 2 from the first ramp year of any path on.
        self.parts = np.where(np.logical_or.accumulate(plan["has2"].any(axis=1)), 2, 1)
        # Depreciation of year t: facility and parts interleaved per vintage
        # (vintage v: facility, part f, part f'), the order of the sum.
        self.dep = np.zeros((H, 3, P))
        self.opx = np.zeros((2 * H + 1, P))  # row 0: facility upkeep, then the parts' opex
        # wear[a] = 1 - a/L_p and the age test a >= L_p, for ages a = 0 ... H
        ages = np.arange(H + 1)[:, None]
        self.wear = 1 - ages / p.L_p
        self.old = ages >= p.L_p
        self.lo = 0  # vintages before lo have no part in service on any path

    def buy(self, t, Cc1, Cc2, Cf, plan):
        """Vintage t: part f with Cc1, part f' (ramp years) with Cc2, facilities Cf."""
        has2 = plan["has2"][t]
        self.Q[t, 0] = Cc1 / plan["cost_f"][t]
        self.Q[t, 1] = np.where(has2, Cc2 / plan["cost_f2"][t], 0.0)
        self.opex[t, 0], self.opex[t, 1] = plan["opex_f"][t], plan["opex_f2"][t]
        self.B[t, 0], self.B[t, 1] = Cc1, Cc2
        self.dA[t, 0], self.dA[t, 1] = Cc1 / self.L_a, Cc2 / self.L_a
        self.tol[t, 0], self.tol[t, 1] = 1e-12 * Cc1, 1e-12 * Cc2
        self.alive[t, 0], self.alive[t, 1] = True, has2
        self.F[t], self.dF[t], self.tolF[t] = Cf, Cf / self.L_f, 1e-12 * Cf

    def serve(self, t, upkeep, u_f, cost_f, opex_f):
        """Year t of every vintage bought so far: capacity, opex (upkeep +
        the parts'), depreciation before write-offs, write-offs, book and
        economic value, the cu retired at the end of the year."""
        n, k, both = t + 1, self.parts[t], (0, 1)
        # Parts of vintages [lo, n): earlier ones are retired on every path
        # and add only zeros (their depreciation rows are zeroed once).
        lo = self.lo
        while lo < t and not self.alive[lo].any():
            lo += 1
        self.dep[self.lo:lo, 1:] = 0.0
        self.lo = lo
        Q, ox, B, alive = self.Q[lo:n, :k], self.opex[lo:n, :k], self.B[lo:n, :k], self.alive[lo:n, :k]
        K = Q.sum(axis=both)
        opx = self.opx[:1 + k * (n - lo)]
        opx[0] = upkeep
        np.multiply(Q, ox, out=opx[1:].reshape(n - lo, k, -1))
        O = opx.sum(axis=0)
        # Straight line; the last step takes the residue (model.md §12).
        F, dF, dep = self.F[:n], self.dF[:n], self.dep[:n, :1 + k]
        Df, Da_v = dep[:, 0], dep[lo:, 1:]
        np.subtract(F, dF, out=Df)
        last = Df < self.tolF[:n]
        np.copyto(Df, dF)
        np.copyto(Df, F, where=last)
        F -= Df
        np.subtract(B, self.dA[lo:n, :k], out=Da_v)
        last = Da_v < self.tol[lo:n, :k]
        np.copyto(Da_v, self.dA[lo:n, :k])
        np.copyto(Da_v, B, where=last)
        B -= Da_v
        Da = dep.sum(axis=both)
        # Retirement at the end of the year: age >= L_p, or opex above u_f.
        age = slice(n - lo, 0, -1)  # the ages t - v + 1 of vintages v = lo ... t
        ret = (ox > u_f) | self.old[age][:, None, :]
        ret &= alive
        W = np.where(ret, B, 0.0).sum(axis=both)
        q_ret = np.where(ret, Q, 0.0).sum(axis=both)
        np.copyto(B, 0.0, where=ret)
        np.copyto(Q, 0.0, where=ret)
        alive ^= ret
        Ft = F.sum(axis=0)
        Bt = B.sum(axis=both) + Ft
        repl = cost_f - (ox - opex_f) / self.psi
        val = Q * self.wear[age][:, None, :] * repl
        V = np.where(repl > 0, val, 0.0).sum(axis=both) + Ft
        return K, O, Da + W, W, V, Bt, Ft, q_ret


def _capex_base(p, t, plan, R_prev, base_prev, q_ret_prev):
    """model.md §3: base_t, inside the committed window or by the policy after it."""
    if t < len(p.committed):
        return p.committed[t]
    if p.after == "growth":
        return base_prev * (1 + p.after_value)
    if p.after == "intensity":
        return np.maximum(p.after_value * R_prev, (1 - p.max_decline) * base_prev)
    if p.after == "hold_capacity":
        has2, s, cost_f = plan["has2"][t], plan["s"][t], plan["cost_f"][t]
        return np.where(has2, q_ret_prev / (s / cost_f + (1 - s) / plan["cost_f2"][t]) / p.s_c,
                        cost_f * q_ret_prev / p.s_c)
    return np.zeros(p.P)


def run_into(p, S):
    """Every series of the P paths into S, an (len(SERIES), H, P) array;
    returns the metrics (dict of (P,) arrays, and "irr_kind")."""
    H, P = p.H, p.P
    r = p.r
    plan = _purchase_plan(p)
    R = _revenue(p)
    Ro = (1 - p.chi.T) * R
    X = p.X.T
    fleet = _Fleet(p, plan)
    base_prev, q_ret_prev, Rfc_prev = np.zeros(P), np.zeros(P), np.zeros(P)
    V_prev, B_prev, F_prev, I = np.zeros(P), np.zeros(P), np.zeros(P), np.zeros(P)
    cum, min_cum, npv, disc = np.zeros(P), np.full(P, np.inf), np.zeros(P), np.ones(P)
    dpb, pv_cost, annuity = np.full(P, np.inf), np.zeros(P), np.zeros(P)
    net = np.zeros((H + 1, P))  # the IRR's flows N_tau (model.md §7)
    ix = SERIES_INDEX
    for t in range(H):
        year = p.start + t
        base = _capex_base(p, t, plan, R[t - 1] if t else None, base_prev, q_ret_prev)
        cut = np.where(Ro[t - 1] < p.coverage * Rfc_prev, 1 - p.cut, 1.0) if p.discipline and t >= 1 else 1.0
        C = base * X[t] * cut
        Cc, Cf = p.s_c * C, (1 - p.s_c) * C
        s = plan["s"][t]
        Cc1, Cc2 = np.where(plan["has2"][t], s * Cc, Cc), (1 - s) * Cc
        fleet.buy(t, Cc1, Cc2, Cf, plan)
        K, O, Da, W, V, Bt, Ft, q_ret = fleet.serve(t, p.phi_f * (F_prev + Cf), plan["u_f"][t],
                                                    plan["cost_f"][t], plan["opex_f"][t])
        De, Ae, Aa = V_prev + C - V, V_prev + C, B_prev + C
        I += np.where((year >= p.jfrom) & (year <= p.jthrough), C, 0.0)
        req = {"bain": C / p.kappa, "jpmorgan": p.r_j * I / p.mu, "sequoia": Cc / (p.s_gpu * (1 - p.gm)),
               "full_cost": (De + O + r * Ae) / p.s_i if p.dep == "economic" else (Da + O + r * Aa) / p.s_i}
        inflow = p.s_i * Ro[t] - O
        CF = inflow - C
        cum = cum + CF
        min_cum = np.minimum(min_cum, cum)
        npv += inflow * disc / (1 + r) - C * disc
        # model.md §7 [v2]: the NPV so far is the cumulative discounted cash flow
        dpb = np.where(np.isinf(dpb) & (npv >= 0), float(year), dpb)
        # model.md §6 item 5 [v2]: the levelised bar's present values
        pv_cost += C * disc + O * disc / (1 + r)
        annuity += disc / (1 + r)
        net[t] -= C
        net[t + 1] = inflow
        for k, val in (("capex", C), ("compute_capex", Cc), ("revenue", R[t]), ("organic_revenue", Ro[t]),
                       ("depreciation_accounting", Da), ("depreciation_economic", De), ("writeoffs", W),
                       ("book_value", Bt), ("economic_value", V), ("opex", O), ("cash_flow", CF),
                       ("cumulative_cash_flow", cum), ("capacity", K), ("obsolescence_gap", Bt - V)):
            S[ix[k], t] = val
        for m in METHODS:
            S[ix["required_" + m], t] = req[m]
            S[ix["gap_" + m], t] = req[m] - Ro[t]
        Rfc_prev, base_prev, q_ret_prev = req["full_cost"], base, q_ret
        V_prev, B_prev, F_prev = V, Bt, Ft
        disc = disc / (1 + r)
    return _metrics(p, S, net, npv, disc, min_cum, pv_cost, annuity, dpb)


def _metrics(p, S, net, npv, disc, min_cum, pv_cost, annuity, dpb):
    """model.md §6 item 5 and §7: the per-path metrics from the series and
    the running sums of run_into."""
    H, ix = p.H, SERIES_INDEX
    V_end = S[ix["economic_value"], H - 1]
    U = S[ix["obsolescence_gap"]]
    w0, w1 = p.window[0] - p.start, p.window[1] - p.start
    M = {"npv": npv + V_end * disc, "peak_burn": np.maximum(0, -min_cum),
         "understated_depreciation": U[H - 1].copy(),
         "levelised_required_full_cost": (pv_cost - V_end * disc) / (p.s_i * annuity),
         "understated_depreciation_window": U[w1] - (U[w0 - 1] if w0 > 0 else 0.0),
         "peak_understated_depreciation": np.maximum(0, U.max(axis=0)),
         "discounted_payback_year": dpb}
    net[H] += V_end
    M["irr"], M["irr_kind"] = _irr_rows(net)
    paid = S[ix["cumulative_cash_flow"]] >= 0
    M["payback_year"] = np.where(paid.any(axis=0), p.start + np.argmax(paid, axis=0), np.inf)
    for m in METHODS:
        # The first year from which the gap stays closed: stays[t] is true
        # when every year from t on is closed; it is closed under suffixes.
        closed = S[ix["gap_" + m]] <= 0
        stays = np.logical_and.accumulate(closed[::-1], axis=0)[::-1]
        first = H - stays.sum(axis=0)
        if m == "jpmorgan":  # model.md §7 [v2]: judged from T_j on
            first = np.maximum(first, np.asarray(p.jthrough - p.start).astype(int))
        M["catchup_year_" + m] = np.where(stays[H - 1], p.start + first, np.inf)
    return M


def simulate(p):
    """Every series (dict of (P, H) arrays) and metric (dict of (P,) arrays)."""
    S = np.empty((len(SERIES), p.H, p.P))
    M = run_into(p, S)
    return {k: S[i].T for i, k in enumerate(SERIES)}, M


# --------------------------------------------------------------------------
# IRR (model.md §7)

def _scan_rates():
    """The scan's rates: x = ln(1+rho) from ln 0.01 by 0.05 while below
    ln 11, then ln 11 itself."""
    xs = []
    k = 0
    while True:
        x = math.log(0.01) + 0.05 * k
        if not x < math.log(11):
            xs.append(math.log(11))
            break
        xs.append(x)
        k += 1
    return np.exp(np.array(xs)) - 1


SCAN = _scan_rates()


def irr(net):
    """model.md §7 for flows net of shape (P, H+1): the rates (NaN without
    exactly one root) and the kind (0 one root, 1 none, 2 several)."""
    return _irr_rows(np.ascontiguousarray(np.asarray(net, float).T))


def npv(net, rho):
    """sum_k net[:, k] (1+rho)^-k for net (P, T) and rho (P, m), by Horner."""
    v = 1 / (1 + rho)
    acc = np.repeat(net[:, -1:], rho.shape[1], axis=1)
    for k in range(net.shape[1] - 2, -1, -1):
        acc = acc * v + net[:, k:k + 1]
    return acc


def _horner(N, v):
    """sum_k N[k] v^k over the rows of N (T, P), v of shape (P,) or (m, 1)."""
    acc = N[-1] * np.ones_like(v)
    for k in range(N.shape[0] - 2, -1, -1):
        acc = acc * v + N[k]
    return acc


@functools.lru_cache(maxsize=None)
def _scan_powers(T):
    """(1+rho_k)^-tau for the scan's rates rho_k and tau = 0 ... T-1, each
    row divided by its sum: NPV at every scan rate, over that sum, is this
    matrix times the flows."""
    W = (1 / (1 + SCAN))[:, None] ** np.arange(T)
    return W / W.sum(axis=1)[:, None]


def _scan(N):
    """NPV of flows N (T, P) at every scan rate, up to a positive factor per
    rate, (rates, P), as one matrix product.  Its signs are those Horner's
    rule gives (old numpy_model.py, payback): where a value is within 1e-12
    of the size of its terms (<= max |N|), a rounding error could flip it,
    and that path is evaluated by Horner."""
    F = _scan_powers(N.shape[0]) @ N
    size = np.abs(N).max(axis=0)
    unsure = np.flatnonzero(~(np.abs(F).min(axis=0) > 1e-12 * size))   # NaN too
    if unsure.size:
        F[:, unsure] = _horner(N[:, unsure], (1 / (1 + SCAN))[:, None])
    return F


def _irr_rows(N):
    """The IRR of flows N (T, P), paths along the last axis: the scan of
    model.md §7 (a root where NPV changes sign between consecutive scan
    rates; several changes are "multiple"), then Newton in the scan interval
    of the one change."""
    P = N.shape[1]
    s = np.sign(_scan(N))
    change = s[1:] * s[:-1] < 0
    n_change = change.sum(axis=0)
    kind = np.where(n_change == 1, 0, np.where(n_change == 0, 1, 2))
    out = np.full(P, np.nan)
    one = np.flatnonzero(kind == 0)
    if one.size:
        j = np.argmax(change[:, one], axis=0)
        out[one] = _root(N[:, one], SCAN[j], SCAN[j + 1])
    return out, kind


def _root(N, lo, hi, tol=1e-13):
    """The root in [lo, hi] (a sign change of NPV) of every column of N:
    Newton's method on rho, kept inside a shrinking bracket (a step that
    would leave it bisects instead), until |drho| < tol; converged paths
    leave the working set.  Typically 4-7 steps from a scan interval."""
    N = np.ascontiguousarray(N)
    flo = _horner(N, 1 / (1 + lo))
    neg, pos = np.where(flo < 0, lo, hi), np.where(flo < 0, hi, lo)   # f(neg) < 0 < f(pos)
    x = 0.5 * (lo + hi)
    out = np.empty(lo.size)
    todo = np.arange(lo.size)
    for _ in range(200):
        v = 1 / (1 + x)  # x stays inside (lo, hi), so > -1
        f, dp = N[-1].copy(), np.zeros(x.size)
        for k in range(N.shape[0] - 2, -1, -1):
            dp = dp * v + f
            f = f * v + N[k]
        df = -dp * v * v
        neg = np.where(f < 0, x, neg)
        pos = np.where(f < 0, pos, x)
        step = f / df
        new = x - step
        lo, hi = np.minimum(neg, pos), np.maximum(neg, pos)
        # Converged: a Newton step below the tolerance (f == 0 gives 0).
        done = np.abs(step) < tol
        # A step that would leave the bracket (or a NaN step) bisects instead.
        bad = ~done & ~((new > lo) & (new < hi))
        new = np.where(bad, 0.5 * (lo + hi), new)
        done |= bad & (hi - lo < tol)
        out[todo[done]] = new[done]
        keep = ~done
        if not keep.any():
            return out
        todo, N, x, neg, pos = todo[keep], N[:, keep], new[keep], neg[keep], pos[keep]
    out[todo] = x
    return out
