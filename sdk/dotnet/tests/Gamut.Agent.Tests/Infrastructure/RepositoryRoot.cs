using System.Runtime.CompilerServices;

namespace Gamut.Agent.Tests.Infrastructure;

/// <summary>The repository's root (the directory holding Gateway.sln), found from this source file.</summary>
internal static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find([CallerFilePath] string sourceFile = "")
    {
        var directory = new FileInfo(sourceFile).Directory;
        while (directory is not null && !File.Exists(System.IO.Path.Combine(directory.FullName, "Gateway.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Gateway.sln not found above the test sources.");
    }
}
