/* fields.c: the names, units and descriptions of the path model's series
 * and metrics (path.h), as the result file and the summary table show them
 * (interfaces.md §3). */
#include "payback/path.h"

const char *const pb_method_names[PB_N_METHODS] = {"bain", "jpmorgan", "sequoia", "full_cost"};

#define SERIES_REQ(m, who) {"required_" m, "billion USD per year", "required annual end-user revenue, " who}
#define SERIES_GAP(m, who) {"gap_" m, "billion USD per year", "revenue gap, required less organic revenue, " who}
const pb_field_info pb_series_info[PB_N_SERIES] = {
    [PB_S_CAPEX] = {"capex", "billion USD", "capital expenditure C_t"},
    [PB_S_COMPUTE_CAPEX] = {"compute_capex", "billion USD", "compute capex Cc_t (accelerators, servers, network)"},
    [PB_S_REVENUE] = {"revenue", "billion USD", "reported end-user AI revenue R_t"},
    [PB_S_ORGANIC_REVENUE] = {"organic_revenue", "billion USD", "organic revenue R^o_t, net of vendor-financed (circular) revenue"},
    [PB_S_REQUIRED + PB_BAIN] = SERIES_REQ("bain", "Bain capex intensity C_t / kappa"),
    [PB_S_REQUIRED + PB_JPMORGAN] = SERIES_REQ("jpmorgan", "JPMorgan perpetuity return r_j I_t / mu"),
    [PB_S_REQUIRED + PB_SEQUOIA] = SERIES_REQ("sequoia", "Sequoia cost multiple Cc_t / (s_gpu (1 - gm))"),
    [PB_S_REQUIRED + PB_FULL_COST] = SERIES_REQ("full_cost", "full cost (D_t + O_t + r A_t) / s_i"),
    [PB_S_GAP + PB_BAIN] = SERIES_GAP("bain", "Bain"),
    [PB_S_GAP + PB_JPMORGAN] = SERIES_GAP("jpmorgan", "JPMorgan"),
    [PB_S_GAP + PB_SEQUOIA] = SERIES_GAP("sequoia", "Sequoia"),
    [PB_S_GAP + PB_FULL_COST] = SERIES_GAP("full_cost", "full cost"),
    [PB_S_DEP_ACCOUNTING] = {"depreciation_accounting", "billion USD", "accounting depreciation D^a_t, write-offs and facilities included"},
    [PB_S_DEP_ECONOMIC] = {"depreciation_economic", "billion USD", "economic depreciation D^e_t = V_{t-1} + C_t - V_t"},
    [PB_S_WRITEOFFS] = {"writeoffs", "billion USD", "write-off W_t of the book value of retired vintages"},
    [PB_S_BOOK_VALUE] = {"book_value", "billion USD", "book value B_t at the end of the year"},
    [PB_S_ECONOMIC_VALUE] = {"economic_value", "billion USD", "economic value V_t at the end of the year"},
    [PB_S_OPEX] = {"opex", "billion USD", "operating cost O_t (energy and operation, facility upkeep)"},
    [PB_S_CASH_FLOW] = {"cash_flow", "billion USD", "infrastructure owners' cash flow CF_t = s_i R^o_t - O_t - C_t"},
    [PB_S_CUM_CASH_FLOW] = {"cumulative_cash_flow", "billion USD", "cumulative undiscounted cash flow S_t"},
    [PB_S_CAPACITY] = {"capacity", "compute units (Hopper = 1 per B$)", "capacity in service K_t"},
    [PB_S_OBSOLESCENCE_GAP] = {"obsolescence_gap", "billion USD", "obsolescence gap U_t = B_t - V_t, cumulative understated depreciation"},
};

#define METRIC_CATCHUP(m, who) {"catchup_year_" m, "calendar year", "first year from which the " who " gap stays closed (+inf: never)"}
const pb_field_info pb_metric_info[PB_N_METRICS] = {
    [PB_M_NPV] = {"npv", "billion USD", "net present value at the start of the first year, terminal value V_{H-1}"},
    [PB_M_IRR] = {"irr", "1 (annual rate)", "internal rate of return (paths with exactly one root)"},
    [PB_M_PEAK_BURN] = {"peak_burn", "billion USD", "peak cumulative cash burn max(0, -min S_t)"},
    [PB_M_UNDERSTATED] = {"understated_depreciation", "billion USD", "understated depreciation U at the horizon"},
    [PB_M_LEVELISED] = {"levelised_required_full_cost", "billion USD per year",
                        "levelised full-cost bar: the constant organic revenue that makes the NPV zero"},
    [PB_M_UNDERSTATED_WINDOW] = {"understated_depreciation_window", "billion USD",
                                 "understated depreciation over the window of attribute window "
                                 "(output.depreciation_window), U_{W1} - U_{W0-1}"},
    [PB_M_PEAK_UNDERSTATED] = {"peak_understated_depreciation", "billion USD", "peak understated depreciation max(0, max U_t)"},
    [PB_M_PAYBACK_YEAR] = {"payback_year", "calendar year", "first year with cumulative cash flow >= 0 (+inf: never)"},
    [PB_M_DISCOUNTED_PAYBACK] = {"discounted_payback_year", "calendar year",
                                 "first year with cumulative discounted cash flow >= 0 (+inf: never)"},
    [PB_M_CATCHUP + PB_BAIN] = METRIC_CATCHUP("bain", "Bain"),
    [PB_M_CATCHUP + PB_JPMORGAN] = METRIC_CATCHUP("jpmorgan", "JPMorgan"),
    [PB_M_CATCHUP + PB_SEQUOIA] = METRIC_CATCHUP("sequoia", "Sequoia"),
    [PB_M_CATCHUP + PB_FULL_COST] = METRIC_CATCHUP("full_cost", "full-cost"),
};

bool pb_metric_is_year(int m) { return m >= PB_M_PAYBACK_YEAR; }
