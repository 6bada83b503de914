# Usage: Rscript stan_run.R MODEL.stan DATA.R SEED QUANTITIES
# Runs Stan's NUTS with its defaults (4 chains on 2 cores, 1000 warm-up + 1000 draws) and prints one line:
# elapsed warm-up + sampling seconds summed over chains, leapfrog steps over all chains after warm-up (the engine's count),
# the smallest bulk-ESS over the comma-separated QUANTITIES, and the divergences after warm-up.
args <- commandArgs(trailingOnly = TRUE)
source(file.path(dirname(sub("--file=", "", grep("--file=", commandArgs(), value = TRUE))), "stan_common.R"))
model <- cached_model(args[1])
fit <- sampling(model, data = read_rdump(args[2]), chains = 4, cores = 2, iter = 2000, warmup = 1000,
                seed = as.integer(args[3]), refresh = 0)
params <- get_sampler_params(fit, inc_warmup = TRUE)
leapfrogs <- sum(sapply(params, function(p) sum(p[-(1:1000), "n_leapfrog__"])))
divergent <- sum(sapply(params, function(p) sum(p[-(1:1000), "divergent__"])))
draws <- as.array(fit)
ess <- sapply(strsplit(args[4], ",")[[1]], function(q) ess_bulk(draws[, , q]))
cat(sprintf("%.6f %d %.3f %d\n", sum(get_elapsed_time(fit)), as.integer(leapfrogs), min(ess), as.integer(divergent)))
