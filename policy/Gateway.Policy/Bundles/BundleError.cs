namespace Gateway.Policy.Bundles;

/// <summary>One problem in a policy bundle: where (1-based line and column) and what (stable <see cref="Code"/>).</summary>
public sealed record BundleError(string File, int Line, int Column, string Code, string Message)
{
    public override string ToString() => $"{File}({Line},{Column}): {Code}: {Message}";
}
