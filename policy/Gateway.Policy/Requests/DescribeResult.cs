namespace Gateway.Policy;

/// <summary>The descriptor of a request, or why none could be derived (<c>unknown_tool</c>, <c>unknown_workspace</c>, <c>wrong_tenant</c>).</summary>
public readonly record struct DescribeResult(ActionDescriptor? Descriptor, string? ErrorCode)
{
    public bool Succeeded => Descriptor is not null;
}
