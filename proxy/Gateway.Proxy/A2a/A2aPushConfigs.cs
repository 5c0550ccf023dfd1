using System.Text.Json;

namespace Gateway.Proxy.A2a;

/// <summary>
/// Finds every push-notification webhook URL a request's params carry, in any shape either A2A version (or an SDK that
/// reads it leniently) could take one from, so that each is checked by <see cref="A2aWebhookAddress"/>: a member anywhere
/// in params (a message's parts and metadata included) whose name, read as a lenient reader reads it (<see cref="A2aMemberNames.Fold"/>: without
/// case, underscores or hyphens, <c>ſ</c> an s), contains
/// <c>pushnotification</c> and does not end in <c>id</c> (0.3's and 1.0's <c>pushNotificationConfig</c>, 1.0's <c>taskPushNotificationConfig</c>,
/// snake_case <c>push_notification_config</c>, …) is a configuration, as are a configuration set's params themselves
/// (1.0's top-level <c>url</c>) and their <c>config</c> (any case). A configuration is null, a list of configurations, or an object
/// whose <c>url</c> members (any case) are each a webhook and must be strings, and which names at least one webhook
/// itself or through a configuration nested in it. Anything else there (a configuration that is a string or a number, a
/// <c>url</c> that is not a string, a configuration or a configuration set naming no webhook) is unreadable and refused,
/// never forwarded unchecked.
/// </summary>
internal static class A2aPushConfigs
{
    /// <summary>
    /// The webhook URLs of <paramref name="parameters"/> (a configuration set's when <paramref name="isSet"/>), or why the
    /// params are refused.
    /// </summary>
    public static (List<string> Urls, string? Unreadable) Read(JsonElement parameters, bool isSet)
    {
        var urls = new List<string>();
        var unreadable = isSet ? Configuration(parameters, urls, "CONFIG") : Walk(parameters, urls);
        return (urls, unreadable);
    }

    /// <summary>Every configuration below <paramref name="element"/>, read; null when all were readable.</summary>
    private static string? Walk(JsonElement element, List<string> urls)
    {
        if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in element.EnumerateArray())
            {
                if (Walk(item, urls) is { } unreadable)
                {
                    return unreadable;
                }
            }
        }
        else if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var member in element.EnumerateObject())
            {
                if ((IsConfigurationName(member.Name) ? Configuration(member.Value, urls) : Walk(member.Value, urls)) is { } unreadable)
                {
                    return unreadable;
                }
            }
        }

        return null;
    }

    /// <summary>
    /// A configuration: null, a list of configurations, or an object naming at least one webhook (its <c>url</c>s, and
    /// those of the configurations nested in it, <paramref name="alsoConfiguration"/> counted as one); every other member
    /// walked.
    /// </summary>
    private static string? Configuration(JsonElement value, List<string> urls, string? alsoConfiguration = null)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Null:
                return null;
            case JsonValueKind.Array:
                foreach (var item in value.EnumerateArray())
                {
                    if (item.ValueKind != JsonValueKind.Object || Configuration(item, urls) is not null)
                    {
                        return "A list of push-notification configurations must hold objects, each naming its webhook (url).";
                    }
                }

                return null;
            case JsonValueKind.Object:
                break;
            default:
                return "A push-notification configuration must be an object naming its webhook (url).";
        }

        var before = urls.Count;
        foreach (var member in value.EnumerateObject())
        {
            string? unreadable;
            if (A2aMemberNames.Fold(member.Name) == "URL")
            {
                if (member.Value.ValueKind != JsonValueKind.String)
                {
                    return "A push-notification configuration's url must be a string.";
                }

                urls.Add(member.Value.GetString()!);
                unreadable = null;
            }
            else
            {
                unreadable = IsConfigurationName(member.Name) || (alsoConfiguration is not null && A2aMemberNames.Fold(member.Name) == alsoConfiguration)
                    ? Configuration(member.Value, urls) : Walk(member.Value, urls);
            }

            if (unreadable is not null)
            {
                return unreadable;
            }
        }

        return urls.Count > before ? null : "A push-notification configuration names no webhook (url).";
    }

    /// <summary>A name holding <c>pushnotification</c> but not one naming a configuration's id (0.3's <c>pushNotificationConfigId</c>).</summary>
    private static bool IsConfigurationName(string name) =>
        name.Length >= 16 && A2aMemberNames.Fold(name) is var folded && folded.Contains("PUSHNOTIFICATION", StringComparison.Ordinal)
        && !folded.EndsWith("ID", StringComparison.Ordinal) && !folded.EndsWith("IDS", StringComparison.Ordinal);
}
