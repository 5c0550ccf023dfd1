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
        var a = PolicyBundleLoader.LoadTenantText("a.yaml", Block, Path.GetTempPath()).Tenant!;
        var b = PolicyBundleLoader.LoadTenantText("b.yaml", Reordered, Path.GetTempPath()).Tenant!;

        Assert.Equal(a.Digest, b.Digest);
        Assert.Matches("^[0-9a-f]{64}$", a.Digest);
    }

    [Fact]
    public void LoadTenantText_ChangedValue_ChangesDigest()
    {
        var a = PolicyBundleLoader.LoadTenantText("a.yaml", Block, Path.GetTempPath()).Tenant!;
        var b = PolicyBundleLoader.LoadTenantText("b.yaml", Block.Replace("environment: dev", "environment: prod", StringComparison.Ordinal), Path.GetTempPath()).Tenant!;

        Assert.NotEqual(a.Digest, b.Digest);
    }

    [Fact]
    public void Load_SourceOfAMissingDirectory_ReportsBundleNotFoundNamingIt()
    {
        var result = PolicyBundleLoader.Load(Source("bundle", files: null), DateTimeOffset.UnixEpoch);

        Assert.Null(result.Set);
        var error = Assert.Single(result.Errors);
        Assert.Equal((BundleErrorCodes.BundleNotFound, "bundle", "bundle directory 'bundle' does not exist"), (error.Code, error.File, error.Message));
    }

    [Fact]
    public void Load_SourceWithoutTenantFiles_ReportsEmptyBundle()
    {
        var result = PolicyBundleLoader.Load(Source("bundle", files: []), DateTimeOffset.UnixEpoch);

        Assert.Equal(BundleErrorCodes.EmptyBundle, Assert.Single(result.Errors).Code);
    }

    [Fact]
    public void Load_DuplicateTenantAcrossFiles_IsAnError()
    {
        var result = PolicyBundleLoader.Load(Source("bundle", [new("a.yaml", "/b/a.yaml", Block), new("b.yml", "/b/b.yml", Block)]), DateTimeOffset.UnixEpoch);

        Assert.Null(result.Set);
        var error = Assert.Single(result.Errors);
        Assert.Equal((BundleErrorCodes.DuplicateTenant, "b.yml", "tenant 't1' is also defined in a.yaml"), (error.Code, error.File, error.Message));
    }

    [Fact]
    public void Load_ValidSource_IsStampedWithTheTimeGivenAndNamesItsDirectoryAndFiles()
    {
        var loadedAt = new DateTimeOffset(2026, 11, 27, 4, 0, 0, TimeSpan.Zero);

        var set = PolicyBundleLoader.Load(Source("bundle", [new("a.yaml", "/b/a.yaml", Block)]), loadedAt).Set!;

        Assert.Equal((loadedAt, "/b"), (set.LoadedAt, set.Source));
        Assert.Equal("/b/a.yaml", set.Tenants["t1"].SourceFile);
    }

    [Fact]
    public void AcceptsWarrantsFrom_CompatibleWithDeclared_AcceptsOwnAndListedDigestsOnly()
    {
        var earlier = PolicyBundleLoader.LoadTenantText("a.yaml", Block, Path.GetTempPath()).Tenant!;
        var changed = PolicyBundleLoader.LoadTenantText("b.yaml", Block.Replace("environment: dev", "environment: prod", StringComparison.Ordinal) + $"\ncompatible_with: [{earlier.Digest}]\n", Path.GetTempPath()).Tenant!;
        var unmarked = PolicyBundleLoader.LoadTenantText("c.yaml", Block.Replace("environment: dev", "environment: staging", StringComparison.Ordinal), Path.GetTempPath()).Tenant!;

        Assert.Equal([earlier.Digest], changed.CompatibleWith);
        Assert.True(changed.AcceptsWarrantsFrom(earlier.Digest));
        Assert.True(changed.AcceptsWarrantsFrom(changed.Digest));
        Assert.False(unmarked.AcceptsWarrantsFrom(earlier.Digest));
        Assert.Empty(unmarked.CompatibleWith);
    }

    private static PolicyBundleSource Source(string path, IReadOnlyList<PolicyBundleFile>? files) =>
        new() { Path = path, Directory = "/b", Files = files, FileExists = static _ => true };
}
