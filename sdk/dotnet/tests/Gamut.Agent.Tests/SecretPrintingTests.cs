using System.Text.Json;

namespace Gamut.Agent.Tests;

/// <summary>
/// The records an agent logs (an options object, an approval's state, a message, a decision) print their other members
/// but never a bearer value they carry: a person's identity token, an approval's warrant, a decision token.
/// </summary>
public sealed class SecretPrintingTests
{
    private const string PersonToken = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJlcmluIn0.c2lnbmF0dXJl";
    private const string Warrant = "w1.eyJ0aWQiOiJkZW1vIn0.d2FycmFudC1zaWduYXR1cmU";
    private const string DecisionToken = "v1.eyJ0aWQiOiJkZW1vIn0.dG9rZW4tc2lnbmF0dXJl";

    [Fact]
    public void ToString_ToolCallOptions_LeavesOutThePersonTokenAndTheWarrant()
    {
        var printed = new ToolCallOptions { PersonToken = PersonToken, Warrant = Warrant, Simulate = true }.ToString();

        Assert.Contains("Simulate = True", printed, StringComparison.Ordinal);
        Assert.DoesNotContain(PersonToken, printed, StringComparison.Ordinal);
        Assert.DoesNotContain(Warrant, printed, StringComparison.Ordinal);
    }

    [Fact]
    public void ToString_ApprovalState_LeavesOutTheWarrant()
    {
        var printed = new ApprovalState { Id = "apr_1", Status = "approved", Warrant = Warrant }.ToString();

        Assert.Contains("Id = apr_1", printed, StringComparison.Ordinal);
        Assert.Contains("Status = approved", printed, StringComparison.Ordinal);
        Assert.DoesNotContain(Warrant, printed, StringComparison.Ordinal);
    }

    [Fact]
    public void ToString_A2aMessage_LeavesOutTheWarrant()
    {
        var printed = new A2aMessage { Skill = "wire", Text = "pay invoice 7", Warrant = Warrant }.ToString();

        Assert.Contains("Skill = wire", printed, StringComparison.Ordinal);
        Assert.DoesNotContain(Warrant, printed, StringComparison.Ordinal);
    }

    [Fact]
    public void ToString_GamutDecision_LeavesOutTheDecisionToken()
    {
        using var explanation = JsonDocument.Parse("{}");
        var printed = new GamutDecision(true, "allow", explanation.RootElement.Clone(), DecisionToken, null, 200, false).ToString();

        Assert.Contains("Decision = allow", printed, StringComparison.Ordinal);
        Assert.Contains("UpstreamStatus = 200", printed, StringComparison.Ordinal);
        Assert.DoesNotContain(DecisionToken, printed, StringComparison.Ordinal);
    }
}
