using System.Text.Json;

namespace Gamut.Agent;

/// <summary>A governed answer: the decision, its explanation and, when invoked, the connector's result.</summary>
public sealed record GamutDecision(
    bool Invoked,
    string Decision,
    JsonElement Explanation,
    string? DecisionToken,
    JsonElement? Result,
    int? UpstreamStatus,
    bool Simulated);
