using Gateway.Policy.Evidence;

namespace Gateway.Cli.Tests;

/// <summary>
/// <c>keys revoke --kid</c>: a leaked receipt key, once rotated out, is removed from the ring, so the JWKS no longer
/// lists it and what its holder signs (a checkpoint here) is an unknown key; the active key and a kid the ring does not
/// hold are refused, the ring left as it was.
/// </summary>
public sealed class KeysRevokeCommandTests
{
    private const string CheckpointType = "gamut-checkpoint+jws";

    [Fact]
    public async Task KeysRevoke_RetiredKey_LeavesTheJwksAndWhatItSignsNoLongerVerifies()
    {
        var ring = NewRingFile();
        await CliRun.RunAsync("keys", "init", "--file", ring);
        var leaked = ReceiptKeyRing.Parse(File.ReadAllText(ring)).Active;
        var forged = leaked.Sign(CheckpointType, """{"tenant":"acme","tree_size":1,"v":1}"""u8);
        await CliRun.RunAsync("keys", "rotate", "--file", ring);
        var before = await CliRun.RunAsync("keys", "list", "--file", ring, "--jwks");

        var revoke = await CliRun.RunAsync("keys", "revoke", "--file", ring, "--kid", leaked.KeyId);
        var after = await CliRun.RunAsync("keys", "list", "--file", ring, "--jwks");

        Assert.True(revoke.ExitCode == 0, revoke.Out + revoke.Error);
        Assert.True(EvidenceToken.TryVerify(forged, CheckpointType, EvidenceKeySet.Parse(before.Out), out _, out _));
        Assert.False(EvidenceToken.TryVerify(forged, CheckpointType, EvidenceKeySet.Parse(after.Out), out _, out var error));
        Assert.Equal(EvidenceErrors.UnknownKey, error);
        var left = ReceiptKeyRing.Parse(File.ReadAllText(ring));
        Assert.Equal([left.Active.KeyId], left.Keys.Select(static k => k.KeyId));
        Assert.DoesNotContain(leaked.KeyId, after.Out, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(ring));
        }
    }

    [Fact]
    public async Task KeysRevoke_ActiveKey_IsRefusedNamingRotateAndTheRingIsUnchanged()
    {
        var ring = NewRingFile();
        await CliRun.RunAsync("keys", "init", "--file", ring);
        var written = File.ReadAllText(ring);

        var result = await CliRun.RunAsync("keys", "revoke", "--file", ring, "--kid", ReceiptKeyRing.Parse(written).Active.KeyId);

        Assert.Equal(6, result.ExitCode);
        Assert.Contains("active key", result.Error, StringComparison.Ordinal);
        Assert.Contains("keys rotate", result.Error, StringComparison.Ordinal);
        Assert.Equal(written, File.ReadAllText(ring));
    }

    [Fact]
    public async Task KeysRevoke_KidNotInTheRing_IsInvalidInput()
    {
        var ring = NewRingFile();
        await CliRun.RunAsync("keys", "init", "--file", ring);
        await CliRun.RunAsync("keys", "rotate", "--file", ring);
        var written = File.ReadAllText(ring);

        var result = await CliRun.RunAsync("keys", "revoke", "--file", ring, "--kid", "no-such-kid");

        Assert.Equal(6, result.ExitCode);
        Assert.Contains("no key 'no-such-kid'", result.Error, StringComparison.Ordinal);
        Assert.Equal(written, File.ReadAllText(ring));
    }

    private static string NewRingFile() => Path.Combine(Directory.CreateTempSubdirectory("gatewayctl-keys-").FullName, "receipt-keys.json");
}
