using System.CommandLine;
using TorchEbm.Cli.Commands;

var root = new RootCommand("torchebm: energy-based models on the GPU (ILGPU kernels; CPU accelerator where there is no GPU).");
root.Subcommands.Add(InfoCommand.Create());
root.Subcommands.Add(PtxCommand.Create());
root.Subcommands.Add(TrainCommand.Create());
root.Subcommands.Add(SampleCommand.Create());
return root.Parse(args).Invoke();
