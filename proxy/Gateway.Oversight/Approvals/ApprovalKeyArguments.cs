using System.Globalization;
using System.Text.Json;
using Gateway.Policy;

namespace Gateway.Oversight.Approvals;

/// <summary>
/// The arguments a person needs to tell two approvals apart, read from the redacted arguments an approval keeps: the amount
/// (and its currency), the target (the order, invoice, account… the action is about) and the recipient. Which members
/// these are comes from the tool's input schema when the catalog has one (only members it declares, a number for the
/// amount), else from the arguments' own names; the names looked for are below, matched as rule paths and the schema check
/// match them (<see cref="ArgumentMemberNames"/>: <c>Amount</c> is the amount, as a case-folding upstream binds it) and
/// reported as spelled below. Null members were not found.
/// </summary>
public sealed record ApprovalKeyArguments
{
    private static readonly string[] AmountNames = ["amount", "total", "sum", "price", "value"];
    private static readonly string[] CurrencyNames = ["currency", "currency_code"];
    private static readonly string[] TargetNames = ["order", "order_id", "invoice", "invoice_id", "account", "account_id", "target", "customer", "customer_id", "ticket", "id", "path", "repository"];
    private static readonly string[] RecipientNames = ["to", "recipient", "payee", "email", "iban", "destination", "channel"];

    public static readonly ApprovalKeyArguments None = new();

    /// <summary>The amount as the arguments give it, invariant culture, with at least two decimals (25 → 25.00, 480.5 → 480.50, 0.125 → 0.125).</summary>
    public string? Amount { get; init; }

    /// <summary>The amount member's name (e.g. <c>amount</c>).</summary>
    public string? AmountName { get; init; }

    public string? Currency { get; init; }

    /// <summary>
    /// The amount as a person reads it: with its currency ("25.00 EUR"), or saying that the arguments name none ("25.00
    /// (currency not given)"), so that nobody approves a sum whose unit they guessed; null without an amount.
    /// </summary>
    public string? AmountWords => Amount is null ? null : Amount + (Currency is { } currency ? " " + currency : " (currency not given)");

    /// <summary>The target member's name (e.g. <c>order</c>).</summary>
    public string? TargetName { get; init; }

    public string? Target { get; init; }

    public string? RecipientName { get; init; }

    public string? Recipient { get; init; }

    /// <summary>True when nothing was found.</summary>
    public bool IsEmpty => Amount is null && Target is null && Recipient is null;

    /// <summary>The key arguments of <paramref name="argumentsJson"/> (an approval's <see cref="ApprovalRequest.Arguments"/>), restricted to the members <paramref name="inputSchemaJson"/> declares when given.</summary>
    public static ApprovalKeyArguments Of(string? argumentsJson, string? inputSchemaJson = null)
    {
        if (string.IsNullOrEmpty(argumentsJson))
        {
            return None;
        }

        try
        {
            using var arguments = JsonDocument.Parse(argumentsJson);
            if (arguments.RootElement.ValueKind != JsonValueKind.Object)
            {
                return None;
            }

            using var schema = Schema(inputSchemaJson);
            var declared = schema is not null
                && schema.RootElement.ValueKind == JsonValueKind.Object
                && schema.RootElement.TryGetProperty("properties", out var properties)
                && properties.ValueKind == JsonValueKind.Object
                    ? properties
                    : (JsonElement?)null;
            var root = arguments.RootElement;
            var (amountName, amount) = Find(root, AmountNames, declared, JsonValueKind.Number);
            var (_, currency) = Find(root, CurrencyNames, declared, JsonValueKind.String);
            var (targetName, target) = Find(root, TargetNames, declared, null);
            var (recipientName, recipient) = Find(root, RecipientNames, declared, JsonValueKind.String);
            return new ApprovalKeyArguments
            {
                Amount = amount is { } a ? FormatAmount(a) : null,
                AmountName = amount is null ? null : amountName,
                Currency = currency?.GetString(),
                TargetName = target is null ? null : targetName,
                Target = target?.ToString(),
                RecipientName = recipient is null ? null : recipientName,
                Recipient = recipient?.GetString(),
            };
        }
        catch (JsonException)
        {
            // A text cut by position (a request opened before the cut by value) does not parse: nothing can be read from it.
            return None;
        }
    }

    private static string FormatAmount(JsonElement amount) =>
        amount.TryGetDecimal(out var value)
            ? value.ToString("0.00##########", CultureInfo.InvariantCulture)
            : amount.GetRawText();

    // The first name both declared (when a schema is given) and among the arguments with a value of the kind, each compared
    // as rule paths compare names; of several members spelled alike, the one spelled exactly so, else the first.
    private static (string? Name, JsonElement? Value) Find(JsonElement root, string[] names, JsonElement? declared, JsonValueKind? kind)
    {
        foreach (var name in names)
        {
            if (declared is { } properties && !properties.EnumerateObject().Any(p => ArgumentMemberNames.Matches(p, name)))
            {
                continue;
            }

            JsonElement? value = null;
            foreach (var member in root.EnumerateObject())
            {
                if (ArgumentMemberNames.Matches(member, name))
                {
                    value ??= member.Value;
                    if (member.NameEquals(name))
                    {
                        value = member.Value;
                        break;
                    }
                }
            }

            if (value is { } found && (kind is null ? found.ValueKind is JsonValueKind.String or JsonValueKind.Number : found.ValueKind == kind))
            {
                return (name, found.Clone());
            }
        }

        return (null, null);
    }

    private static JsonDocument? Schema(string? inputSchemaJson)
    {
        if (string.IsNullOrEmpty(inputSchemaJson))
        {
            return null;
        }

        try
        {
            return JsonDocument.Parse(inputSchemaJson);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
