using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;

namespace Gateway.Admin.Tests.Http;

/// <summary>
/// Unknown body members are refused in one place, <c>AdminBody</c> (its problem names the member and the accepted ones);
/// no request type carries a check of its own, so no code may read one around it.
/// </summary>
public sealed class AdminBodyReadersTests
{
    [Fact]
    public void RequestTypes_EveryBodyOfTheAdminApi_IsReadThroughAdminBodyOnly()
    {
        var sources = Directory.GetFiles(Path.Combine(RepositoryRoot(), "proxy"), "*.cs", SearchOption.AllDirectories)
            .Where(static f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Where(static f => Path.GetFileName(f) is not ("AdminContracts.cs" or "AdminJsonContext.cs"))
            .Select(static f => (File: f, Lines: File.ReadAllLines(f)))
            .ToArray();

        foreach (var type in RequestTypes())
        {
            var uses = sources.SelectMany(s => s.Lines.Select((line, i) => (s.File, Line: i + 1, Text: line)))
                .Where(u => Regex.IsMatch(u.Text, $@"\b{type.Name}\b"))
                .ToArray();
            Assert.NotEmpty(uses);
            Assert.All(uses, u => Assert.True(
                u.Text.Contains($"AdminBody.ReadAsync(context, AdminJsonContext.Default.{type.Name})", StringComparison.Ordinal),
                $"{u.File}:{u.Line} uses {type.Name} other than through AdminBody.ReadAsync"));
            Assert.Null(type.GetCustomAttribute<System.Text.Json.Serialization.JsonUnmappedMemberHandlingAttribute>());
        }
    }

    // The admin API's request bodies: the types of its JSON context that Gateway.Admin.Http names ...Request.
    private static IEnumerable<Type> RequestTypes() =>
        typeof(AdminJsonContext).GetCustomAttributesData()
            .Where(static a => a.AttributeType == typeof(System.Text.Json.Serialization.JsonSerializableAttribute))
            .Select(static a => (Type)a.ConstructorArguments[0].Value!)
            .Where(static t => t.Namespace == "Gateway.Admin.Http" && t.Name.EndsWith("Request", StringComparison.Ordinal));

    private static string RepositoryRoot([CallerFilePath] string sourceFile = "")
    {
        var directory = new FileInfo(sourceFile).Directory;
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Gateway.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Gateway.sln not found above " + sourceFile);
    }
}
