using YamlDotNet.RepresentationModel;

namespace Gateway.Policy.Bundles;

/// <summary>Refuses a key of a rule's or gate's <c>match</c> written with no value: only an omitted key matches everything.</summary>
internal static class MatchFields
{
    /// <summary>Records <c>missing_required</c> for each key of <paramref name="match"/> that is null, or one of <paramref name="lists"/> that is an empty list.</summary>
    public static void RefuseEmpty(YamlNodeReader reader, YamlNodeReader.Fields match, string what, params string[] lists)
    {
        foreach (var (key, value) in match.Values)
        {
            if (YamlNodeReader.IsNull(value) || (value is YamlSequenceNode { Children.Count: 0 } && Array.IndexOf(lists, key) >= 0))
            {
                reader.Error(value, BundleErrorCodes.MissingRequired, $"{what}.{key} needs at least one value; leave the key out to match everything");
            }
        }
    }
}
