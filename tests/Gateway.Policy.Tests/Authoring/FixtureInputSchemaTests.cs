using Gateway.Policy.Authoring;

namespace Gateway.Policy.Tests.Authoring;

/// <summary>Fixtures decided as the gateway decides them: arguments outside the entry's <c>input_schema</c> are refused <c>invalid_arguments</c> before any decision.</summary>
public sealed class FixtureInputSchemaTests
{
    private static readonly PolicySet Set = PolicySet.Create([ExampleTenant.Load()]);

    [Fact]
    public void Run_ArgumentsOutsideInputSchema_FailsAnAllowExpectation()
    {
        var result = RunOne("""
            name: read with an argument the entry does not take
            agent: demo-agent
            request: { tool: crm.read_contact, args: { id: c-1, extra: 1 } }
            expect: { decision: allow }
            """);

        Assert.False(result.Passed);
        var failure = Assert.Single(result.Failures);
        Assert.Contains("invalid_arguments", failure, StringComparison.Ordinal);
        Assert.Contains("$.extra", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_EmptyArgumentsOutsideInputSchema_SaysHowToFixARegressInitFixture()
    {
        var result = RunOne("""
            name: a refund recorded by regress init before arguments were checked
            agent: demo-agent
            request: { tool: payments.refund, args: {} }
            expect: { decision: allow }
            """);

        var failure = Assert.Single(result.Failures);
        Assert.Contains("invalid_arguments", failure, StringComparison.Ordinal);
        Assert.EndsWith(
            "(a fixture written by `gatewayctl regress init` holds no arguments: add the arguments the decision depends on, or `check_input_schema: false`)",
            failure,
            StringComparison.Ordinal);
    }

    [Fact]
    public void Run_SomeArgumentsOutsideInputSchema_GivesNoRegressInitHint()
    {
        var result = RunOne("""
            name: refund without its amount
            agent: demo-agent
            request: { tool: payments.refund, args: { order: o-1 } }
            expect: { decision: allow }
            """);

        var failure = Assert.Single(result.Failures);
        Assert.DoesNotContain("regress init", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_RefusalExpected_PassesWithTheGatewaysRefusal()
    {
        var result = RunOne("""
            name: refund without its amount is refused
            agent: demo-agent
            request: { tool: payments.refund, args: { order: o-1 } }
            expect: { refusal: invalid_arguments }
            """);

        Assert.True(result.Passed, string.Join("; ", result.Failures));
        Assert.Null(result.Decision);
        Assert.Equal(400, result.Refusal!.Status);
        Assert.Equal("invalid_arguments", result.Refusal.Code);
        Assert.Equal("The arguments do not fit the tool's input schema: $.amount: required.", result.Refusal.Detail);
    }

    [Fact]
    public void Run_RefusalExpectedButArgumentsFit_FailsNamingTheDecision()
    {
        var result = RunOne("""
            name: a fitting read is not refused
            agent: demo-agent
            request: { tool: crm.read_contact, args: { id: c-1 } }
            expect: { refusal: invalid_arguments }
            """);

        Assert.Equal(["refusal: expected invalid_arguments, got decision allow"], result.Failures);
    }

    [Fact]
    public void Run_InputSchemaUnchecked_DecidesArgumentsAsRecorded()
    {
        var result = RunOne("""
            name: a recorded shell call, its arguments never kept
            agent: demo-agent
            check_input_schema: false
            request: { tool: shell.exec, args: {} }
            expect: { decision: block, reason_codes: [tool_not_permitted] }
            """);

        Assert.True(result.Passed, string.Join("; ", result.Failures));
    }

    [Fact]
    public void Read_UnknownRefusalCode_IsAnError()
    {
        var errors = new List<string>();

        FixtureReader.Read("bad.yaml", "agent: demo-agent\nrequest: { tool: crm.read_contact }\nexpect: { refusal: rate_limited }\n", errors);

        Assert.Contains(errors, e => e.Contains("'rate_limited' is not a valid refusal", StringComparison.Ordinal));
    }

    private static FixtureResult RunOne(string yaml)
    {
        var errors = new List<string>();
        var fixture = Assert.Single(FixtureReader.Read("one.yaml", yaml, errors));
        Assert.Empty(errors);
        return FixtureEvaluator.Run(Set, fixture);
    }
}
