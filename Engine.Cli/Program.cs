using TorchEbm.Cli;

return TorchEbmCli.RunProcess(args);
