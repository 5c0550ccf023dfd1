using System.Net;
using System.Text;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Mcp;

/// <summary>
/// A call to an MCP server made with a person's own credential goes on that person's own session with the server, never
/// on the connector's or another person's: a server that keeps identity or state on its session (as the MCP specification
/// recommends binding a session to its user) sees each person apart.
/// </summary>
public sealed class McpPersonSessionTests : IAsyncLifetime
{
    private const string Read = """{"tool":"files.read","args":{"path":"plan.md"}}""";

    private McpTestServer _files = null!;
    private PersonGateway _people = null!;

    public async Task InitializeAsync()
    {
        _files = await McpTestServer.StartAsync(("read_file", "Reads a file."));
        _people = await PersonGateway.StartAsync(text => text
            .Replace("catalog:\n", $$"""
                catalog:
                  - { name: files, kind: mcp, action_type: read, target_system: files, upstream: "{{_files.Url}}", credential: none, person: { credential: vault, vault_prefix: files-people } }
                  - { name: files.read, kind: mcp_tool, action_type: read, target_system: files, connector: files, mcp_tool: read_file }

                """.Replace("\r", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal)
            .Replace("      - { tool: workspace }\n", "      - { tool: workspace }\n      - { tool: files.read }\n", StringComparison.Ordinal));
        foreach (var person in new[] { "erin", "carl" })
        {
            using var put = await _people.Gateway.Admin().PutAsync($"/admin/v1/tenants/demo/credentials/files-people.{person}",
                new StringContent($$"""{"value":"{{person}}s-own-files-credential"}""", Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }
    }

    public async Task DisposeAsync()
    {
        await _people.DisposeAsync();
        await _files.DisposeAsync();
    }

    [Fact]
    public async Task InvokeTool_TwoPeopleWithTheirOwnCredentials_GoOnTwoSessions()
    {
        var sessionsBefore = _files.Initializations;

        using var erin = await _people.PostAsPersonAsync("/v1/actions/invoke-tool", Read, _people.Provider.Issue("erin"));
        using var carl = await _people.PostAsPersonAsync("/v1/actions/invoke-tool", Read, _people.Provider.Issue("carl"));
        using var erinAgain = await _people.PostAsPersonAsync("/v1/actions/invoke-tool", Read, _people.Provider.Issue("erin"));

        Assert.Equal(HttpStatusCode.OK, erin.StatusCode);
        Assert.Equal(HttpStatusCode.OK, carl.StatusCode);
        Assert.Equal(HttpStatusCode.OK, erinAgain.StatusCode);
        Assert.Equal(
            ["Bearer erins-own-files-credential", "Bearer carls-own-files-credential", "Bearer erins-own-files-credential"],
            _files.Calls.Select(static c => c.Authorization));

        // The three calls, by the session each came on: erin's twice on one, carl's on another.
        var sessions = _files.CallSessions.ToArray();
        Assert.NotNull(sessions[0]);
        Assert.Equal(sessions[0], sessions[2]);
        Assert.NotEqual(sessions[0], sessions[1]);
        Assert.True(_files.Initializations - sessionsBefore >= 2, $"{_files.Initializations - sessionsBefore} sessions were opened for two people");
    }
}
