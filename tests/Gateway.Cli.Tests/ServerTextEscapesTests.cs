namespace Gateway.Cli.Tests;

/// <summary>
/// Text output of what a gateway answers (an approval's or an audit record's agent and tool, as an agent sent them): its
/// terminal controls are written escaped, so an answer can neither rewrite nor hide a line.
/// </summary>
public sealed class ServerTextEscapesTests
{
    [Theory]
    [InlineData("""{"approvals":[{"id":"apr-1","agent":"a\u001b[2A","tool":"t\r\u202e","approvals":[],"approvals_required":1,"expires_at":"x","approvers":["ops"]}]}""", "approvals list")]
    [InlineData("""{"id":"apr-1","status":"pending","agent":"a\u001b[2A","tool":"t\r\u202e","approvals":[],"approvals_required":1,"intent_digest":"d","approvers":[],"expires_at":"x"}""", "approvals show apr-1")]
    [InlineData("""{"records":[{"seq":1,"time":"x","agent":"a\u001b[2A","tool":"t\r\u202e","decision":"block","status_code":403,"actor":"ops"}]}""", "audit list")]
    [InlineData("""{"records":[{"seq":1,"time":"x","replica":"r","agent":"a\u001b[2A","tool":"t\r\u202e","decision":"block","status_code":403}]}""", "audit query")]
    public async Task TextOutput_AnswerHoldingTerminalEscapes_IsWrittenEscaped(string body, string command)
    {
        await using var server = await AnsweringServer.StartAsync("application/json", body);

        var result = await CliRun.RunAsync(
            new Dictionary<string, string?> { ["GATEWAY_ADMIN_TOKEN"] = "gatewayctl-tests-token" },
            [.. command.Split(' '), "--tenant", "x", "--url", server.BaseAddress.ToString()]);

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        TerminalAssert.IsInert(result.Out);
        Assert.Contains(@"a\u{1B}[2A", result.Out, StringComparison.Ordinal);
        Assert.Contains(@"t\u{D}\u{202E}", result.Out, StringComparison.Ordinal);
    }
}
