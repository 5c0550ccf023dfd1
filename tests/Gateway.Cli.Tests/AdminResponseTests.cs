using System.Net;
using System.Text.Json;

namespace Gateway.Cli.Tests;

/// <summary>How gatewayctl words a problem the gateway answered: a limit that refused says when it resets.</summary>
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
}
