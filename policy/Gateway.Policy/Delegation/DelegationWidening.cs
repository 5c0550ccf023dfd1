namespace Gateway.Policy;

/// <summary>One thing a grant asked for beyond its parent's authority; <see cref="Kind"/> is one of <see cref="DelegationWidenings"/>.</summary>
/// <param name="Kind">What was widened: <c>tool</c>, <c>action_type</c>, <c>atf_level</c>, <c>data_class</c>, <c>ttl</c> or <c>depth</c>.</param>
/// <param name="Detail">Exactly what was asked beyond the parent, in words.</param>
public sealed record DelegationWidening(string Kind, string Detail);

/// <summary>The stable kinds of <see cref="DelegationWidening"/>.</summary>
public static class DelegationWidenings
{
    public const string Tool = "tool";
    public const string ActionType = "action_type";
    public const string AtfLevel = "atf_level";
    public const string DataClass = "data_class";
    public const string Ttl = "ttl";
    public const string Depth = "depth";
}
