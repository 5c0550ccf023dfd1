using System.Text.Json;

namespace Gateway.Policy;

/// <summary>An argument's member name compared as rule paths and the input schema compare it (<see cref="JsonPath"/>): in any case, without <c>_</c> or <c>-</c>.</summary>
public static class ArgumentMemberNames
{
    /// <summary>True when <paramref name="member"/> is the argument <paramref name="name"/> as a case-folding upstream binds it (<c>Amount</c>, <c>AMOUNT</c> and <c>amount</c>; <c>orderId</c> and <c>order_id</c>).</summary>
    public static bool Matches(JsonProperty member, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return JsonPath.NameMatches(member, name);
    }
}
