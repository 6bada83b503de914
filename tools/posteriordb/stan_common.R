# Shared by the posteriordb scripts: compiles a Stan program once into a cache directory (rstan 2.21, Debian's
# r-cran-rstan) and reads its data from an R dump file.
suppressMessages(library(rstan))
rstan_options(auto_write = TRUE)

cached_model <- function(stan_file) {
  cache <- Sys.getenv("TORCHEBM_STAN_CACHE", file.path(Sys.getenv("HOME"), ".cache", "torchebm-posteriordb"))
  dir.create(cache, recursive = TRUE, showWarnings = FALSE)
  copy <- file.path(cache, basename(stan_file))
  if (!file.exists(copy) || !identical(readLines(copy), readLines(stan_file))) file.copy(stan_file, copy, overwrite = TRUE)
  suppressMessages(stan_model(copy)) # auto_write keeps the compiled model beside the copy (<name>.rds)
}
