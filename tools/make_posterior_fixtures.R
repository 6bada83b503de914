#!/usr/bin/env Rscript
# Makes Engine.Tests/Fixtures/posterior_fixture.json: reference values of R's posterior package (Vehtari, Gelman,
# Simpson, Carpenter and Buerkner 2021; the authors' own implementation) for the draws it also writes, so the C#
# ChainStatistics can be compared with it on identical numbers. Every case is one dimension, draws[t][c] (draw t of
# chain c); its statistics are posterior's ess_bulk, ess_tail, ess_mean, rhat and mcse_mean (null where posterior gives
# NA). Energy cases hold an energy matrix energy[t][c] and rstan's per-chain E-BFMI, computed with the formula of
# rstan:::get_bfmi (sum(diff(x)^2) / length(x) / var(x); rstan needs a stanfit to call it, so the formula is copied).
# Draws are float64; the tests read them as double[,,].
# Run from the repository root with Debian's r-cran-posterior (1.4.0 here) and r-cran-rstan:
#     Rscript tools/make_posterior_fixtures.R
suppressMessages(library(posterior))
set.seed(20261206)

ar1 <- function(draws, chains, rho, offsets = rep(0, chains)) {
  x <- matrix(0, draws, chains)
  for (c in seq_len(chains)) {
    v <- rnorm(1)
    for (t in seq_len(draws)) {
      if (t > 1) v <- rho * v + sqrt(1 - rho^2) * rnorm(1)
      x[t, c] <- v + offsets[c]
    }
  }
  x
}

cases <- list(
  list(name = "iid normal, 4 chains x 200", draws = ar1(200, 4, 0)),
  list(name = "AR(1) rho 0.9, 4 chains x 1000", draws = ar1(1000, 4, 0.9)),
  list(name = "AR(1) rho -0.6 (antithetic), 4 chains x 300", draws = ar1(300, 4, -0.6)),
  list(name = "shifted means (0, 0, 1, 1), 4 chains x 300", draws = ar1(300, 4, 0.3, c(0, 0, 1, 1))),
  list(name = "one chain stuck at another mode (+3), 8 chains x 150", draws = ar1(150, 8, 0.5, c(rep(0, 7), 3))),
  list(name = "Student t, 3 df (heavy tails), 8 chains x 101 (odd)", draws = matrix(rt(808, 3), 101, 8)),
  list(name = "exponential (skewed), AR(1) 0.7 mapped, 2 chains x 97 (prime half)", draws = exp(ar1(97, 2, 0.7))),
  list(name = "integers (ties), 4 chains x 60", draws = matrix(rpois(240, 2), 60, 4)),
  list(name = "one chain, AR(1) 0.5 x 400", draws = ar1(400, 1, 0.5)),
  list(name = "chain c constant at c, 4 chains x 10 (issue 24)", draws = matrix(rep(0:3, each = 10), 10, 4)),
  list(name = "short: 4 chains x 4 (half-chains of 2)", draws = ar1(4, 4, 0)),
  list(name = "short: 4 chains x 5 (half-chains of 2)", draws = ar1(5, 4, 0)),
  list(name = "short: 4 chains x 6", draws = ar1(6, 4, 0)),
  list(name = "short: 4 chains x 7", draws = ar1(7, 4, 0.2)),
  list(name = "short: 4 chains x 10", draws = ar1(10, 4, 0)),
  list(name = "short: 3 chains x 11", draws = ar1(11, 3, 0.5)),
  list(name = "short: 4 chains x 12", draws = ar1(12, 4, 0)),
  list(name = "short: 2 chains x 14 (half-chains of 7)", draws = ar1(14, 2, 0)),
  list(name = "constant halves that differ: 2 chains x 8", draws = matrix(c(rep(1, 4), rep(2, 4), rep(3, 4), rep(4, 4)), 8, 2))
)

energy_cases <- list(
  list(name = "iid energies, 4 chains x 500", energy = matrix(rchisq(2000, 5), 500, 4)),
  list(name = "slowly mixing energies (AR(1) 0.95), 2 chains x 400", energy = ar1(400, 2, 0.95) * 3 + 10),
  list(name = "mixed: chain 1 iid, chain 2 AR(1) 0.9, 2 chains x 301",
       energy = cbind(rnorm(301), ar1(301, 1, 0.9)))
)

num <- function(v) ifelse(is.na(v), "null", ifelse(is.infinite(v), ifelse(v > 0, "\"Infinity\"", "\"-Infinity\""), sprintf("%.17g", v)))
vec <- function(v) paste0("[", paste(num(v), collapse = ", "), "]")
mat <- function(m) paste0("[", paste(apply(m, 1, vec), collapse = ",\n      "), "]")
stat <- function(f, x) suppressWarnings(f(x))
ebfmi_rstan <- function(x) { numer <- sum(diff(x)^2) / length(x); numer / var(x) }

out <- c("{", sprintf("  \"source\": \"R posterior %s, rstan's get_bfmi formula (tools/make_posterior_fixtures.R)\",",
                      as.character(packageVersion("posterior"))), "  \"cases\": [")
for (i in seq_along(cases)) {
  x <- cases[[i]]$draws
  out <- c(out, paste0("    {\"name\": \"", cases[[i]]$name, "\",",
    " \"ess_bulk\": ", num(stat(ess_bulk, x)), ", \"ess_tail\": ", num(stat(ess_tail, x)),
    ", \"ess_mean\": ", num(stat(ess_mean, x)), ", \"rhat\": ", num(stat(rhat, x)),
    ", \"mcse_mean\": ", num(stat(mcse_mean, x)), ",\n      \"draws\": ", mat(x), "}",
    if (i < length(cases)) "," else ""))
}
out <- c(out, "  ],", "  \"energy_cases\": [")
for (i in seq_along(energy_cases)) {
  e <- energy_cases[[i]]$energy
  out <- c(out, paste0("    {\"name\": \"", energy_cases[[i]]$name, "\", \"ebfmi_rstan\": ", vec(apply(e, 2, ebfmi_rstan)),
    ",\n      \"energy\": ", mat(e), "}", if (i < length(energy_cases)) "," else ""))
}
out <- c(out, "  ]", "}")
writeLines(out, "Engine.Tests/Fixtures/posterior_fixture.json")
cat("wrote Engine.Tests/Fixtures/posterior_fixture.json:", length(cases), "draw cases,", length(energy_cases), "energy cases\n")
