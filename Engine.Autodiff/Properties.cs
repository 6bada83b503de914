using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("TorchEbm")]
[assembly: InternalsVisibleTo("Engine.Tests")]
