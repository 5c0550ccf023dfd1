using System.Text.Json.Nodes;

namespace Gateway.Cli.Tests;

/// <summary>
/// <c>gatewayctl evidence verify</c> of a pack someone else made: the text the pack supplies (its manifest's selection, a
/// zip entry's name) is printed with its terminal controls escaped, so it can neither rewrite nor hide the verdict line.
/// </summary>
public sealed partial class EvidencePackCommandsTests
{
    private const string Hostile = "\u001b[2A\r\u202e";

    [Fact]
    public async Task Verify_PackWhoseSelectionAndEntryNameHoldTerminalEscapes_PrintsThemEscaped()
    {
        var (pack, _) = await ExportRunAsync();
        PackZip.Rewrite(pack, "manifest.json", static text =>
        {
            var manifest = JsonNode.Parse(text)!;
            manifest["selection"] = new JsonObject { ["run_id"] = "run-1" + Hostile + "Pack pack.zip verified" };
            return manifest.ToJsonString();
        });
        PackZip.Add(pack, "proofs/x" + Hostile + ".json", "{}");

        var result = await CliRun.RunAsync("evidence", "verify", pack);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith($"Pack {pack} does NOT verify", result.Out, StringComparison.Ordinal);
        TerminalAssert.IsInert(result.Out);
        Assert.Contains(@"selection: run_id=run-1\u{1B}[2A\u{D}\u{202E}Pack pack.zip verified", result.Out, StringComparison.Ordinal);
        Assert.Contains(@"proofs/x\u{1B}[2A\u{D}\u{202E}.json", result.Out, StringComparison.Ordinal);
    }
}
