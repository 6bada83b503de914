#!/usr/bin/env Rscript
# By-hand check (not a test dependency) that R reads the CmdStan CSV files torchebm writes
# (ChainResult.WriteStanCsv, `torchebm sample --trace DIR`): rstan::read_stan_csv builds a stanfit from them, and the
# posterior package summarises the draws (its R-hat and ESS should match the ones torchebm prints for the same states).
# Needs Debian's r-cran-rstan and r-cran-posterior. Usage, from the repository root:
#     torchebm sample --model gaussian --dim 3 --sampler hmc --warmup 200 --steps 1000 --n 4 --out /tmp/s.csv --trace /tmp/trace
#     Rscript tools/check_stan_csv.R /tmp/trace
args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 1) stop("usage: Rscript tools/check_stan_csv.R DIR (a directory of chain_*.csv files)")
suppressMessages({ library(rstan); library(posterior) })
files <- list.files(args[1], pattern = "^chain_[0-9]+\\.csv$", full.names = TRUE)
files <- files[order(as.integer(sub("^chain_([0-9]+)\\.csv$", "\\1", basename(files))))]
cat("rstan", as.character(packageVersion("rstan")), "and posterior", as.character(packageVersion("posterior")),
    "reading", length(files), "files\n")
fit <- read_stan_csv(files)
cat("\nrstan's stanfit:", fit@sim$chains, "chains,", fit@sim$iter - fit@sim$warmup, "kept iterations, warmup", fit@sim$warmup,
    "thin", fit@sim$thin, "\n")
print(fit)
cat("\nsampler parameters of chain 1 (first rows):\n")
print(head(get_sampler_params(fit, inc_warmup = FALSE)[[1]], 3))
cat("\nadaptation info of chain 1:\n")
cat(attr(fit@sim$samples[[1]], "adaptation_info"), "\n")
cat("\nposterior::summarise_draws(as_draws_array(fit)):\n")
print(summarise_draws(as_draws_array(fit)), n = 50)
