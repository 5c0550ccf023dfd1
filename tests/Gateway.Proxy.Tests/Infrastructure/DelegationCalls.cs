using System.Net;
using System.Text.Json;

namespace Gateway.Proxy.Tests.Infrastructure;

/// <summary><c>POST /v1/delegations</c> as a parent makes it, and the child client it yields.</summary>
public static class DelegationCalls
{
    /// <summary>A grant of <c>crm.read_contact</c> (read) under the <c>internal</c> ceiling, as most tests ask.</summary>
    public const string ReadContactGrant = """{"name":"researcher","permissions":[{"tool":"crm.read_contact","action_types":["read"]}],"data_class_ceiling":"internal","run_id":"run-42"}""";

    /// <summary>Sends the delegation signed by <paramref name="parent"/>; returns the response (the caller disposes it).</summary>
    public static Task<HttpResponseMessage> RequestAsync(AgentClient parent, string grant) => parent.PostJsonAsync("/v1/delegations", grant);

    /// <summary>Issues a child (201 asserted) and returns a client signing as it, against <paramref name="http"/>.</summary>
    public static async Task<(AgentClient Child, JsonElement Issued)> DelegateAsync(AgentClient parent, HttpClient http, string grant = ReadContactGrant)
    {
        using var response = await RequestAsync(parent, grant).ConfigureAwait(false);
        var issued = await DecisionJson.ReadAsync(response, HttpStatusCode.Created).ConfigureAwait(false);
        return (ChildOf(issued, http), issued);
    }

    /// <summary>A client signing as the child <paramref name="issued"/> names, with the secret it was shown once.</summary>
    public static AgentClient ChildOf(JsonElement issued, HttpClient http) =>
        new(http, issued.GetProperty("secret").GetString()!, issued.GetProperty("tenant").GetString()!, issued.GetProperty("workspace").GetString()!, issued.GetProperty("agent").GetString()!);

    /// <summary>The demo bundle allowing two levels of delegation (a child may issue a grandchild).</summary>
    public static string TwoLevels(string bundle) => bundle.Replace("simulate: false", "simulate: false\ndelegation: { max_ttl: 15m, max_depth: 2 }", StringComparison.Ordinal);
}
