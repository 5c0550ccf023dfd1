namespace Gamut.Agent;

/// <summary>One finding: where (a JSONPath) and what kind (<c>credential_member</c>, <c>api_key</c>…). Never the value.</summary>
public sealed record SecretFinding(string Path, string Kind);
