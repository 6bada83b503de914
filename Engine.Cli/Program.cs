using TorchEbm.Cli;

return TorchEbmCli.Run(args, Console.Out, Console.Error);
