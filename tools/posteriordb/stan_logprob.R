# Usage: Rscript stan_logprob.R MODEL.stan DATA.R POINTS SEED OUT
# Writes to OUT one line per point: the point (unconstrained), then Stan's log_prob(adjust_transform = TRUE), then its
# gradient, space-separated. The points are uniform(-2, 2) on the unconstrained space (Stan's inits) from set.seed(SEED).
args <- commandArgs(trailingOnly = TRUE)
source(file.path(dirname(sub("--file=", "", grep("--file=", commandArgs(), value = TRUE))), "stan_common.R"))
model <- cached_model(args[1])
fit <- sampling(model, data = read_rdump(args[2]), chains = 0)
dim <- get_num_upars(fit)
set.seed(as.integer(args[4]))
lines <- character(0)
for (i in seq_len(as.integer(args[3]))) {
  u <- runif(dim, -2, 2)
  lp <- log_prob(fit, u, adjust_transform = TRUE, gradient = TRUE)
  lines <- c(lines, paste(sprintf("%.17g", c(u, lp, attr(lp, "gradient"))), collapse = " "))
}
writeLines(lines, args[5])
