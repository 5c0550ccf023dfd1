namespace Gateway.Proxy.Tests.Infrastructure;

/// <summary>The repository's root directory (the one holding Gateway.sln), found from the test binaries.</summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find([System.Runtime.CompilerServices.CallerFilePath] string sourceFile = "")
    {
        // This file's own location is inside the tree, wherever the binaries were built to.
        var fromSource = string.IsNullOrEmpty(sourceFile) ? null : new FileInfo(sourceFile).Directory;
        while (fromSource is not null && !File.Exists(System.IO.Path.Combine(fromSource.FullName, "Gateway.sln")))
        {
            fromSource = fromSource.Parent;
        }

        if (fromSource is not null)
        {
            return fromSource.FullName;
        }

        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(System.IO.Path.Combine(directory.FullName, "Gateway.sln")))
        {
            directory = directory.Parent;
        }

        // Builds may place binaries outside the tree (GATEWAY_ARTIFACTS): fall back to the working directory.
        directory ??= new DirectoryInfo(Environment.CurrentDirectory);
        while (directory is not null && !File.Exists(System.IO.Path.Combine(directory.FullName, "Gateway.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Gateway.sln not found above the test binaries or the working directory.");
    }
}
