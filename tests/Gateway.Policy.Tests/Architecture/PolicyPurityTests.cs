using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace Gateway.Policy.Tests.Architecture;

/// <summary>
/// The policy library reads and writes nothing: its compiled code references no file, directory, network client,
/// environment, console, process or ambient clock (the hosts hand it bundles, key material and the time as values).
/// Read from the assembly's metadata: the type and member references every call out of it goes through.
/// </summary>
public sealed class PolicyPurityTests
{
    private static readonly string[] ForbiddenTypes =
    [
        "System.IO.File", "System.IO.Directory", "System.IO.FileStream", "System.IO.FileInfo", "System.IO.DirectoryInfo",
        "System.IO.FileSystemInfo", "System.IO.FileSystemWatcher", "System.IO.DriveInfo",
        "System.Console", "System.Diagnostics.Process",
    ];

    // The environment (variables, directories, the command line, exit), but for what the compiler calls for iterators
    // (the current managed thread id) and the newline.
    private const string EnvironmentType = "System.Environment";

    private static readonly string[] EnvironmentMembersAllowed = ["get_CurrentManagedThreadId", "get_NewLine"];

    private static readonly string[] ForbiddenNamespaces = ["System.Net.Http", "System.Net.Sockets"];

    private static readonly string[] ForbiddenMembers =
    [
        "System.TimeProvider.get_System", "System.DateTime.get_Now", "System.DateTime.get_UtcNow", "System.DateTime.get_Today",
        "System.DateTimeOffset.get_Now", "System.DateTimeOffset.get_UtcNow",
        "System.IO.Path.GetFullPath/1", // a relative path against the process's current directory
    ];

    [Fact]
    public void References_GatewayPolicyAssembly_NameNoFileNetworkEnvironmentConsoleOrClock()
    {
        var found = Forbidden(typeof(PolicySet).Assembly.Location);

        Assert.True(found.Count == 0, "Gateway.Policy must take what it needs as values from its host, yet references: " + string.Join(", ", found));
    }

    [Fact]
    public void References_AnAssemblyThatReadsFiles_AreFound()
    {
        // This test assembly reads files (the assembly above, the example bundle) and resolves a path.
        _ = Path.GetFullPath("relative");
        var found = Forbidden(typeof(PolicyPurityTests).Assembly.Location);

        Assert.Contains("System.IO.File", found);
        Assert.Contains("System.IO.Directory", found);
        Assert.Contains("System.IO.Path.GetFullPath/1", found);
    }

    /// <summary>Every forbidden type, nested type or member the assembly at <paramref name="path"/> references.</summary>
    internal static IReadOnlyList<string> Forbidden(string path)
    {
        using var pe = new PEReader(File.OpenRead(path));
        var metadata = pe.GetMetadataReader();
        var found = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var handle in metadata.TypeReferences)
        {
            var name = FullName(metadata, handle);
            if (ForbiddenTypes.Any(t => name == t || name.StartsWith(t + "+", StringComparison.Ordinal))
                || ForbiddenNamespaces.Any(n => name.StartsWith(n + ".", StringComparison.Ordinal)))
            {
                found.Add(name);
            }
        }

        foreach (var handle in metadata.MemberReferences)
        {
            var member = metadata.GetMemberReference(handle);
            if (member.Parent.Kind == HandleKind.TypeReference)
            {
                var type = FullName(metadata, (TypeReferenceHandle)member.Parent);
                var name = metadata.GetString(member.Name);
                var overload = $"{type}.{name}/{Parameters(metadata, member)}";
                if (ForbiddenMembers.Contains(type + "." + name, StringComparer.Ordinal) || ForbiddenMembers.Contains(overload, StringComparer.Ordinal))
                {
                    found.Add(ForbiddenMembers.Contains(overload, StringComparer.Ordinal) ? overload : type + "." + name);
                }
                else if (type == EnvironmentType && !EnvironmentMembersAllowed.Contains(name, StringComparer.Ordinal))
                {
                    found.Add(type + "." + name);
                }
            }
        }

        return [.. found];
    }

    // A method's parameter count, from its signature blob (a field's is -1).
    private static int Parameters(MetadataReader metadata, MemberReference member)
    {
        var blob = metadata.GetBlobReader(member.Signature);
        var header = blob.ReadSignatureHeader();
        if (header.Kind != SignatureKind.Method)
        {
            return -1;
        }

        if (header.IsGeneric)
        {
            blob.ReadCompressedInteger();
        }

        return blob.ReadCompressedInteger();
    }

    private static string FullName(MetadataReader metadata, TypeReferenceHandle handle)
    {
        var type = metadata.GetTypeReference(handle);
        var name = metadata.GetString(type.Name);
        if (type.ResolutionScope.Kind == HandleKind.TypeReference)
        {
            return FullName(metadata, (TypeReferenceHandle)type.ResolutionScope) + "+" + name;
        }

        var space = metadata.GetString(type.Namespace);
        return space.Length == 0 ? name : space + "." + name;
    }
}
