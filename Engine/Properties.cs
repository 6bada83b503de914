using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("Engine.Tests")]
[assembly: InternalsVisibleTo("Engine.Bench")]
[assembly: InternalsVisibleTo("TorchEbm.Cli")]
[assembly: InternalsVisibleTo("TorchEbm.Distributed")]
