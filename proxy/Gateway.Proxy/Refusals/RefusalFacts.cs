namespace Gateway.Proxy.Refusals;

/// <summary>What every refusal says, whatever its format.</summary>
internal readonly record struct RefusalFacts(int Status, string Code, string Detail, string RequestId, string? Decision, ReadOnlyMemory<byte> ExplanationJson);
