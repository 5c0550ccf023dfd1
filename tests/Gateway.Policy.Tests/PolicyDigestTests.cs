using Gateway.Policy.Bundles;

namespace Gateway.Policy.Tests;

public sealed class PolicyDigestTests
{
    private const string Block = """
        tenant: t1
        environment: dev
        workspaces: [w]
        approvers:
          - id: alice
            name: Alice
        """;

    private const string Reordered = """
        # same policy, different formatting and key order
        approvers: [{ name: "Alice", id: 'alice' }]
        workspaces:
          - w
        environment: dev
        tenant: "t1"
        """;

    [Fact]
    public void LoadTenantText_ReorderedAndReformatted_HasSameDigest()
    {
        var a = PolicyBundleLoader.LoadTenantText("a.yaml", Block, ".").Tenant!;
        var b = PolicyBundleLoader.LoadTenantText("b.yaml", Reordered, ".").Tenant!;

        Assert.Equal(a.Digest, b.Digest);
        Assert.Matches("^[0-9a-f]{64}$", a.Digest);
    }

    [Fact]
    public void LoadTenantText_ChangedValue_ChangesDigest()
    {
        var a = PolicyBundleLoader.LoadTenantText("a.yaml", Block, ".").Tenant!;
        var b = PolicyBundleLoader.LoadTenantText("b.yaml", Block.Replace("environment: dev", "environment: prod", StringComparison.Ordinal), ".").Tenant!;

        Assert.NotEqual(a.Digest, b.Digest);
    }

    [Fact]
    public void LoadDirectory_MissingDirectory_ReportsBundleNotFound()
    {
        var result = PolicyBundleLoader.LoadDirectory(Path.Combine(Path.GetTempPath(), "no-such-bundle-" + Guid.NewGuid()));

        Assert.Null(result.Set);
        Assert.Equal(BundleErrorCodes.BundleNotFound, Assert.Single(result.Errors).Code);
    }

    [Fact]
    public void LoadDirectory_DuplicateTenantAcrossFiles_IsAnError()
    {
        var dir = Directory.CreateTempSubdirectory("bundle-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "a.yaml"), Block);
            File.WriteAllText(Path.Combine(dir.FullName, "b.yml"), Block);

            var result = PolicyBundleLoader.LoadDirectory(dir.FullName);

            Assert.Null(result.Set);
            Assert.Contains(result.Errors, e => e.Code == BundleErrorCodes.DuplicateTenant && e.File == "b.yml");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void AcceptsWarrantsFrom_CompatibleWithDeclared_AcceptsOwnAndListedDigestsOnly()
    {
        var earlier = PolicyBundleLoader.LoadTenantText("a.yaml", Block, ".").Tenant!;
        var changed = PolicyBundleLoader.LoadTenantText("b.yaml", Block.Replace("environment: dev", "environment: prod", StringComparison.Ordinal) + $"\ncompatible_with: [{earlier.Digest}]\n", ".").Tenant!;
        var unmarked = PolicyBundleLoader.LoadTenantText("c.yaml", Block.Replace("environment: dev", "environment: staging", StringComparison.Ordinal), ".").Tenant!;

        Assert.Equal([earlier.Digest], changed.CompatibleWith);
        Assert.True(changed.AcceptsWarrantsFrom(earlier.Digest));
        Assert.True(changed.AcceptsWarrantsFrom(changed.Digest));
        Assert.False(unmarked.AcceptsWarrantsFrom(earlier.Digest));
        Assert.Empty(unmarked.CompatibleWith);
    }
}
