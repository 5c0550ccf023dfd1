using System.ComponentModel.DataAnnotations;
using Gateway.Proxy.Mcp;
using Gateway.Proxy.Tests.Mcp;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Gateway.Proxy.Tests.Respond;

/// <summary>
/// A require_approval on <c>/mcp</c> offered as a URL elicitation (-32042) to a client that accepts one, with the link to
/// the approval's page (<c>Gateway:Mcp:ApprovalPageUrl</c>); every other client gets the usual -31000 refusal.
/// </summary>
public sealed class McpApprovalElicitationTests : IAsyncLifetime
{
    private const string Page = "https://approvals.example.com/{tenant}/{approval_id}";
    private const string Refund = """{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"payments_refund","arguments":{"order":"o-7","amount":12}META}}""";

    private McpGateway _mcp = null!;

    public async Task InitializeAsync() => _mcp = await McpGateway.StartAsync(settings: new Dictionary<string, string?> { ["Gateway:Mcp:ApprovalPageUrl"] = Page });

    public async Task DisposeAsync() => await _mcp.DisposeAsync();

    [Fact]
    public async Task CallTool_RequiresApprovalAndTheRequestDeclaresUrlElicitation_IsOfferedTheApprovalsPage()
    {
        var (_, answer) = await _mcp.PostAsync(Refund.Replace("META", ""","_meta":{"io.modelcontextprotocol/clientCapabilities":{"elicitation":{"url":{}}}}""", StringComparison.Ordinal));

        var error = answer.GetProperty("error");
        Assert.Equal(-32042, error.GetProperty("code").GetInt32());
        var data = error.GetProperty("data");
        Assert.Equal("approval_required", data.GetProperty("code").GetString());
        var approvalId = data.GetProperty("approval").GetProperty("id").GetString()!;
        var elicitation = Assert.Single(data.GetProperty("elicitations").EnumerateArray());
        Assert.Equal("url", elicitation.GetProperty("mode").GetString());
        Assert.Equal(approvalId, elicitation.GetProperty("elicitationId").GetString());
        Assert.Equal($"https://approvals.example.com/demo/{approvalId}", elicitation.GetProperty("url").GetString());
    }

    [Theory]
    [InlineData("")]
    [InlineData(""","_meta":{"io.modelcontextprotocol/clientCapabilities":{"elicitation":{"form":{}}}}""")]
    public async Task CallTool_RequiresApprovalAndTheClientDoesNotAcceptUrlElicitation_IsTheUsualRefusal(string meta)
    {
        var (_, answer) = await _mcp.PostAsync(Refund.Replace("META", meta, StringComparison.Ordinal));

        var error = answer.GetProperty("error");
        Assert.Equal(-31000, error.GetProperty("code").GetInt32());
        Assert.False(error.GetProperty("data").TryGetProperty("elicitations", out _));
        Assert.Equal("approval_required", error.GetProperty("data").GetProperty("code").GetString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("2025-11-25")]
    public async Task CallTool_RequiresApprovalAndTheSdkClientAcceptsUrlElicitation_ThrowsTheSdksUrlElicitationError(string? protocolVersion)
    {
        await using var client = await _mcp.ConnectAsync(protocolVersion,
            new McpClientHandlers { ElicitationHandler = (_, _) => ValueTask.FromResult(new ElicitResult { Action = "accept" }) },
            new ClientCapabilities { Elicitation = new ElicitationCapability { Url = new() } });

        var offered = await Assert.ThrowsAsync<UrlElicitationRequiredException>(() => client.CallToolAsync("payments_refund", new Dictionary<string, object?> { ["order"] = "o-7", ["amount"] = 12 }).AsTask());

        var elicitation = Assert.Single(offered.Elicitations);
        Assert.StartsWith("https://approvals.example.com/demo/", elicitation.Url, StringComparison.Ordinal);
        Assert.EndsWith(elicitation.ElicitationId!, elicitation.Url, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://approvals.example.com/{tenant}")]
    [InlineData("/approvals/{approval_id}")]
    [InlineData("ftp://approvals.example.com/{approval_id}")]
    public void Validate_ApprovalPageUrlWithoutTheApprovalOrNotAbsoluteHttp_IsRefused(string page)
    {
        var results = new List<ValidationResult>();
        var options = new McpEndpointOptions { ApprovalPageUrl = page };

        Assert.False(Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true));
        Assert.Contains("ApprovalPageUrl", Assert.Single(results).ErrorMessage, StringComparison.Ordinal);
    }
}
