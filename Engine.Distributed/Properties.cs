using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("Engine.Tests")]
[assembly: InternalsVisibleTo("TorchEbm.Cli")]
