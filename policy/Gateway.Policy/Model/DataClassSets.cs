namespace Gateway.Policy;

/// <summary>Conversions between <see cref="DataClass"/> lists and <see cref="DataClassSet"/> flags.</summary>
public static class DataClassSets
{
    /// <summary>The flag of one class.</summary>
    public static DataClassSet ToSet(this DataClass value) => (DataClassSet)(1 << (int)value);

    /// <summary>The union of the classes in <paramref name="values"/>.</summary>
    public static DataClassSet ToSet(IEnumerable<DataClass>? values)
    {
        var set = DataClassSet.None;
        if (values is null)
        {
            return set;
        }

        foreach (var value in values)
        {
            set |= value.ToSet();
        }

        return set;
    }

    /// <summary>The classes in <paramref name="set"/>, in declaration order.</summary>
    public static IReadOnlyList<DataClass> ToList(DataClassSet set)
    {
        var list = new List<DataClass>();
        foreach (var value in Enum.GetValues<DataClass>())
        {
            if ((set & value.ToSet()) != 0)
            {
                list.Add(value);
            }
        }

        return list;
    }
}
