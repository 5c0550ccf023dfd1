using System.Net;
using System.Text;
using System.Text.Json;

namespace Gateway.Proxy.Tests.Infrastructure;

/// <summary>The run routes as an agent calls them, and reading a run's records back.</summary>
public static class RunCalls
{
    /// <summary>An action most run tests take: reading a contact (allowed for the demo agent).</summary>
    public const string ReadContact = """{"tool":"crm.read_contact","args":{"id":"c-1"}}""";

    /// <summary>Starts a run (201 asserted) signed by <paramref name="agent"/>; returns the answer.</summary>
    public static async Task<JsonElement> StartAsync(AgentClient agent, string body = """{"framework":"tests","purpose":"read a contact"}""")
    {
        using var response = await agent.PostJsonAsync("/v1/runs", body).ConfigureAwait(false);
        return await DecisionJson.ReadAsync(response, HttpStatusCode.Created).ConfigureAwait(false);
    }

    /// <summary>Starts a run and returns its id.</summary>
    public static async Task<string> StartIdAsync(AgentClient agent) => (await StartAsync(agent).ConfigureAwait(false)).GetProperty("run_id").GetString()!;

    /// <summary>Posts one event of <paramref name="run"/> (carrying the run in its header too when <paramref name="inRun"/>).</summary>
    public static Task<HttpResponseMessage> EventAsync(AgentClient agent, string run, string type, string? name = null, bool inRun = false)
    {
        var body = JsonSerializer.Serialize(new Dictionary<string, object?> { ["type"] = type, ["name"] = name }.Where(p => p.Value is not null).ToDictionary());
        var target = "/v1/runs/" + run + "/events";
        return agent.SendAsync(inRun ? agent.CreateInRun(HttpMethod.Post, target, body, run) : agent.Create(HttpMethod.Post, target, body));
    }

    /// <summary>Sends <paramref name="json"/> to <paramref name="target"/> in <paramref name="run"/>.</summary>
    public static Task<HttpResponseMessage> InRunAsync(AgentClient agent, string run, string target = "/v1/actions/invoke-tool", string json = ReadContact) =>
        agent.SendAsync(agent.CreateInRun(HttpMethod.Post, target, json, run));

    /// <summary>The tenant's audit records naming <paramref name="run"/> (<c>?run_id=</c>), in order.</summary>
    public static async Task<List<JsonElement>> RecordsAsync(HttpClient admin, string run, string tenant = DemoBundle.Tenant)
    {
        using var page = JsonDocument.Parse(await admin.GetStringAsync($"/admin/v1/tenants/{tenant}/audit/query?run_id={run}&limit=1000").ConfigureAwait(false));
        return [.. page.RootElement.GetProperty("records").EnumerateArray().Select(r => r.Clone())];
    }

    /// <summary>The tenant's audit records of one request (by its <c>X-Request-Id</c>).</summary>
    public static async Task<List<JsonElement>> RecordsOfAsync(HttpClient admin, HttpResponseMessage response, string tenant = DemoBundle.Tenant)
    {
        var requestId = Assert.Single(response.Headers.GetValues("X-Request-Id"));
        using var page = JsonDocument.Parse(await admin.GetStringAsync($"/admin/v1/tenants/{tenant}/audit/query?request_id={requestId}&limit=100").ConfigureAwait(false));
        return [.. page.RootElement.GetProperty("records").EnumerateArray().Select(r => r.Clone())];
    }

    /// <summary>The claims of a decision token (<c>v1.&lt;payload&gt;.&lt;signature&gt;</c>), unverified: the upstream verified it.</summary>
    public static JsonElement Claims(string token)
    {
        var payload = token.Split('.')[1];
        return JsonDocument.Parse(Convert.FromBase64String(payload.Replace('-', '+').Replace('_', '/') + new string('=', (4 - (payload.Length % 4)) % 4))).RootElement.Clone();
    }

    /// <summary>A well-formed run id no run has.</summary>
    public static string Unknown() => "run-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
