using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("TorchEbm.Autodiff")]
[assembly: InternalsVisibleTo("TorchEbm")]
[assembly: InternalsVisibleTo("Engine.Tests")]
[assembly: InternalsVisibleTo("Engine.Bench")]
