using YamlDotNet.RepresentationModel;

namespace Gateway.Policy.Bundles;

/// <summary>Reads one entry of the <c>data_flows</c> section: the data classes an agent may send to a tool.</summary>
internal sealed class DataFlowSectionParser(YamlNodeReader reader, CrossReferences references)
{
    public DataFlow? Parse(YamlNode node)
    {
        var f = reader.Mapping(node, "data flow", "agent", "tool", "data_classes");
        if (f is null)
        {
            return null;
        }

        var agent = f.RequiredString("agent");
        var tool = f.RequiredString("tool");
        if (agent is not null)
        {
            references.Reference(f["agent"]!, "agent", agent, "data flow");
        }

        if (tool is not null)
        {
            references.Reference(f["tool"]!, "tool", tool, "data flow");
        }

        var classes = f.Required("data_classes") is { } dc ? reader.DataClasses(dc, "data class") : null;
        return agent is null || tool is null || classes is null ? null : new DataFlow { Agent = agent, Tool = tool, DataClasses = classes.Value };
    }
}
