using System.Text.Json;

namespace Gateway.Cli.Tests;

/// <summary><c>gate eval</c> and <c>policy test</c> refuse arguments outside the entry's <c>input_schema</c> as the gateway does: <c>invalid_arguments</c>, 400, before any decision.</summary>
public sealed class GateEvalInputSchemaTests
{
    [Fact]
    public async Task GateEval_ArgumentsOutsideInputSchema_RefusedInvalidArguments()
    {
        var result = await CliRun.RunAsync("gate", "eval", "--policy", CliRun.ExampleBundle, "--agent", "demo-agent", "--tool", "crm.read_contact", "--args", """{"id":"c-1","extra":1}""");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("refused: invalid_arguments (400)", result.Out, StringComparison.Ordinal);
        Assert.Contains("$.extra", result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("decision: allow", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GateEval_ArgumentsOutsideInputSchemaJson_IsTheGatewaysProblem()
    {
        var result = await CliRun.RunAsync("gate", "eval", "--policy", CliRun.ExampleBundle, "--agent", "demo-agent", "--tool", "payments.refund", "--args", """{"order":"o-1"}""", "--json");

        Assert.Equal(1, result.ExitCode);
        using var json = JsonDocument.Parse(result.Out);
        Assert.Equal("invalid_arguments", json.RootElement.GetProperty("code").GetString());
        Assert.Equal(400, json.RootElement.GetProperty("status").GetInt32());
        Assert.Equal("https://gateway.local/problems/invalid_arguments", json.RootElement.GetProperty("type").GetString());
        Assert.Equal("The arguments do not fit the tool's input schema: $.amount: required.", json.RootElement.GetProperty("detail").GetString());
        Assert.False(json.RootElement.TryGetProperty("decision", out _));
    }
}
