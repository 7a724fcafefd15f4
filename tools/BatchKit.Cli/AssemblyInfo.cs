[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("BatchKit.Cli.Tests")]
