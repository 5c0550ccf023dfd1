using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Gateway.Cli.Tests;

/// <summary>
/// How gatewayctl words a problem the gateway answered: a limit that refused says when it resets; its code, title and
/// detail (which may quote what an agent sent) are shown with their terminal controls escaped.
/// </summary>
public sealed class AdminResponseTests
{
    [Fact]
    public void ProblemText_RetryAfterInTheProblem_SaysWhenItResetsAndHowToResetTheDemo()
    {
        using var problem = JsonDocument.Parse("""{"title":"Too Many Requests","detail":"The tool rate limit is exhausted.","code":"rate_limited","retry_after_seconds":7}""");

        var text = new AdminResponse(HttpStatusCode.TooManyRequests, problem.RootElement).ProblemText;

        Assert.StartsWith("Too Many Requests: The tool rate limit is exhausted. (it resets in 7 s, at ", text, StringComparison.Ordinal);
        Assert.Contains("make demo-reset", text, StringComparison.Ordinal);
    }

    [Fact]
    public void ProblemText_NoRetryAfter_IsTitleAndDetail()
    {
        using var problem = JsonDocument.Parse("""{"title":"Not Found","detail":"No such approval.","code":"approval_not_found"}""");

        Assert.Equal("Not Found: No such approval.", new AdminResponse(HttpStatusCode.NotFound, problem.RootElement).ProblemText);
    }

    [Theory]
    [InlineData("text/html", "<html><body>ok</body></html>")]
    [InlineData("application/json", "[]")]
    public async Task AuditVerify_GatewayAnswers200OfAnotherShape_IsUnexpectedAnswerExit7(string contentType, string body)
    {
        // A 200 that is not JSON (a proxy's page) or not the verification: neither "BROKEN" (exit 2) nor a stack trace.
        await using var server = await AnsweringServer.StartAsync(contentType, body);

        var result = await CliRun.RunAsync(
            new Dictionary<string, string?> { ["GATEWAY_ADMIN_TOKEN"] = "gatewayctl-tests-token" }, "audit", "verify", "--tenant", "x", "--url", server.BaseAddress.ToString());

        Assert.True(result.ExitCode == 7, result.Out + result.Error);
        Assert.Contains("error: unexpected_answer:", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("BROKEN", result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Out + result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Call_ProblemDetailWithTerminalEscapes_IsWrittenEscaped()
    {
        // A detail quoting an agent-supplied value, as a gateway (or anything answering as one) words it.
        await using var server = await AnsweringServer.StartAsync(async context =>
        {
            context.Response.StatusCode = 404;
            context.Response.ContentType = "application/problem+json";
            await context.Response.WriteAsync("""{"title":"Not Found\u001b[8m","detail":"No approval apr-1\u001b[2A\r\u202e.","code":"approval_not_found\u001b[2K"}""");
        });

        var result = await CliRun.RunAsync(
            new Dictionary<string, string?> { ["GATEWAY_ADMIN_TOKEN"] = "gatewayctl-tests-token" }, "approvals", "show", "apr-1", "--tenant", "x", "--url", server.BaseAddress.ToString());

        Assert.True(result.ExitCode == 1, result.Out + result.Error);
        TerminalAssert.IsInert(result.Error);
        Assert.Contains(@"error: approval_not_found\u{1B}[2K: Not Found\u{1B}[8m: No approval apr-1\u{1B}[2A\u{D}\u{202E}.", result.Error, StringComparison.Ordinal);
    }
}
