using System.Net;
using System.Text.Json;

namespace Gateway.Proxy.Tests.Infrastructure;

/// <summary>Reading the agent protocol's decision responses.</summary>
public static class DecisionJson
{
    /// <summary>The spec's control ids, in the order decision_path must list them.</summary>
    public static readonly string[] ControlOrder =
    [
        "agent_registration", "lifecycle", "human_owner", "security_owner", "atf_boundary", "tool_permission",
        "approval_gate", "data_movement", "incident_playbooks", "risks_findings", "red_team",
    ];

    /// <summary>Asserts the status and content type and returns the parsed body.</summary>
    public static async Task<JsonElement> ReadAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>A 200 decision response with the given decision.</summary>
    public static async Task<JsonElement> DecisionAsync(HttpResponseMessage response, string decision)
    {
        var json = await ReadAsync(response, HttpStatusCode.OK).ConfigureAwait(false);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(decision, json.GetProperty("decision").GetString());
        return json;
    }

    /// <summary>The (control, outcome) pairs of the explanation's decision path.</summary>
    public static List<(string Control, string Outcome)> Path(JsonElement body) =>
        [.. body.GetProperty("explanation").GetProperty("decision_path").EnumerateArray()
            .Select(c => (c.GetProperty("control").GetString()!, c.GetProperty("outcome").GetString()!))];

    public static string Outcome(JsonElement body, string control) => Path(body).Single(c => c.Control == control).Outcome;

    public static string PolicyDigest(JsonElement body) => body.GetProperty("explanation").GetProperty("policy_digest").GetString()!;

    public static string IntentDigest(JsonElement body) => body.GetProperty("explanation").GetProperty("intent_digest").GetString()!;

    public static List<string> WhatWouldChange(JsonElement body) =>
        [.. body.GetProperty("explanation").GetProperty("what_would_change").EnumerateArray().Select(e => e.GetString()!)];

    /// <summary>Asserts that the decision path lists its controls in the spec's order, each at most once.</summary>
    public static void AssertSpecOrder(JsonElement body)
    {
        var controls = Path(body).Select(c => c.Control).ToList();
        Assert.NotEmpty(controls);
        var indices = controls.Select(c => Array.IndexOf(ControlOrder, c)).ToList();
        Assert.DoesNotContain(-1, indices);
        Assert.True(indices.SequenceEqual(indices.Order()) && indices.Distinct().Count() == indices.Count,
            "decision_path out of the spec's order: " + string.Join(", ", controls));
    }

    public static bool Has(JsonElement body, string member) => body.TryGetProperty(member, out var value) && value.ValueKind != JsonValueKind.Null;
}
