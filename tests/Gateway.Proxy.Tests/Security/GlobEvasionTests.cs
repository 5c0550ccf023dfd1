using System.Text.Json;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Security;

/// <summary>
/// A block rule cannot be evaded by spelling the value it names differently: through the running gateway,
/// the example bundle's <c>*@gmail.com</c> rule on <c>mail.send</c> blocks every spelling of a Gmail address
/// exactly as it blocks <c>x@gmail.com</c>, and an address elsewhere still reaches the approval gate. The entry's
/// <c>input_schema</c> is taken out, so that the rule, not the schema (which refuses a member spelled <c>To</c> or an
/// address as an object on every route, <see cref="Describe.EvaluateInputSchemaTests"/>), is what each shape meets.
/// </summary>
public sealed class GlobEvasionTests : IClassFixture<GlobEvasionTests.Fixture>
{
    private readonly GovernedGateway _gw;

    public GlobEvasionTests(Fixture fixture) => _gw = fixture.Gateway;

    [Theory]
    [InlineData("x@gmail.com")]
    [InlineData("x@gmail.com.")]
    [InlineData("x@gmail.com..")]
    [InlineData("X@GMAIL.COM.")]
    [InlineData("Xavier <x@gmail.com.>")]
    [InlineData("x@gmail.com; ok@example.com")]
    [InlineData("x@ｇｍａｉｌ.com")]
    [InlineData("x@gmail。com")]
    public async Task Evaluate_GmailAddressSpelledAnyWay_IsBlockedByTheRule(string to)
    {
        var before = _gw.Upstream.Received.Count;

        using var response = await _gw.Agent.PostJsonAsync("/v1/evaluate", Body(to));

        var json = await DecisionJson.DecisionAsync(response, "block");
        Assert.Contains(json.GetProperty("explanation").GetProperty("rule_triggers").EnumerateArray(),
            t => t.GetProperty("reason_code").GetString() == "personal_mail_domain");
        Assert.Equal(before, _gw.Upstream.Received.Count);
    }

    [Theory]
    [InlineData("""{"to":"x@gmail.com (Xavier)"}""")]
    [InlineData("""{"to":"x(c)@(c)gmail.com"}""")]
    [InlineData("""{"To":"x@gmail.com"}""")]
    [InlineData("""{"\u0054O":"x@gmail.com"}""")]
    [InlineData("""{"to":"a@example.com","TO":"x@gmail.com"}""")]
    [InlineData("""{"to":{"address":"x@gmail.com","name":"X"}}""")]
    [InlineData("""{"to":[["x@gmail.com"]]}""")]
    [InlineData("""{"to":[{"email":"x@gmail.com"}]}""")]
    public async Task Evaluate_GmailAddressAsAMailLibraryReadsIt_IsBlockedByTheRule(string args)
    {
        var before = _gw.Upstream.Received.Count;

        using var response = await _gw.Agent.PostJsonAsync("/v1/evaluate", """{"tool":"mail.send","args":""" + args[..^1] + ""","body":"hi"}}""");

        var json = await DecisionJson.DecisionAsync(response, "block");
        Assert.Contains(json.GetProperty("explanation").GetProperty("rule_triggers").EnumerateArray(),
            t => t.GetProperty("reason_code").GetString() == "personal_mail_domain");
        Assert.Equal(before, _gw.Upstream.Received.Count);
    }

    [Theory]
    [InlineData("a@example.com")]
    [InlineData("x@gmail.com.example.com")]
    public async Task Evaluate_AddressOutsideTheRule_ReachesTheApprovalGate(string to)
    {
        using var response = await _gw.Agent.PostJsonAsync("/v1/evaluate", Body(to));

        var json = await DecisionJson.DecisionAsync(response, "require_approval");
        Assert.DoesNotContain(json.GetProperty("explanation").GetProperty("rule_triggers").EnumerateArray(),
            t => t.GetProperty("reason_code").GetString() == "personal_mail_domain");
    }

    private static string Body(string to) =>
        JsonSerializer.Serialize(new { tool = "mail.send", args = new { to, body = "hi" } });

    /// <summary>The example bundle's gateway, <c>mail.send</c> without its <c>input_schema</c>.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        private const string MailSchema = """
                input_schema:
                  type: object
                  properties:
                    to: { type: string, format: email, description: "The recipient's address." }
                    subject: { type: string, minLength: 1, maxLength: 200 }
                    body: { type: string, maxLength: 20000, description: "The message, in plain text." }
                  required: [to, body]
                  additionalProperties: false

            """;

        public GovernedGateway Gateway { get; private set; } = null!;

        public async Task InitializeAsync() => Gateway = await GovernedGateway.StartAsync(static text =>
            text.Contains(MailSchema, StringComparison.Ordinal)
                ? text.Replace(MailSchema, string.Empty, StringComparison.Ordinal)
                : throw new InvalidOperationException("The example bundle's mail.send no longer has the input_schema this test takes out."));

        public async Task DisposeAsync() => await Gateway.DisposeAsync();
    }
}
