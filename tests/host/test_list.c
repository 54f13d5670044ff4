/*
 * test_list.c - NT's intrusive lists (lib/rtl_list.h): LIST_ENTRY with its
 * head, and SINGLE_LIST_ENTRY used as a stack.
 */
#include "khost.h"
#include "hostlib.h"

typedef struct _ITEM {
    int Value;
    LIST_ENTRY Link;
    SINGLE_LIST_ENTRY Next;
} ITEM;

static ITEM Items[8];

static void ResetItems(void)
{
    for (int i = 0; i < (int)ARRAYSIZE(Items); i++) {
        Items[i].Value = i;
        Items[i].Link.Flink = Items[i].Link.Blink = NULL;
        Items[i].Next.Next = NULL;
    }
}

/*
 * Walks the list forwards and backwards, checking every link's partner, and
 * compares the values met with Expected (Count of them). Returns FALSE and
 * reports where it went wrong.
 */
static BOOLEAN CheckList(PLIST_ENTRY Head, const int *Expected, int Count, int Line)
{
    PLIST_ENTRY Entry = Head->Flink;
    int i = 0;

    for (; Entry != Head && i <= Count; Entry = Entry->Flink, i++) {
        if (Entry->Flink->Blink != Entry || Entry->Blink->Flink != Entry) {
            KhFail(__FILE__, Line, "entry %d: its neighbours do not point back to it", i);
            return FALSE;
        }
        int Value = CONTAINING_RECORD(Entry, ITEM, Link)->Value;
        if (i >= Count || Value != Expected[i]) {
            KhFail(__FILE__, Line, "entry %d is item %d, expected %s %d", i, Value, i < Count ? "item" : "the end",
                   i < Count ? Expected[i] : 0);
            return FALSE;
        }
    }
    if (i != Count) {
        KhFail(__FILE__, Line, "the list has %d entries, expected %d", i, Count);
        return FALSE;
    }
    /* Backwards the same values, in reverse. */
    i = Count;
    for (Entry = Head->Blink; Entry != Head; Entry = Entry->Blink) {
        if (--i < 0 || CONTAINING_RECORD(Entry, ITEM, Link)->Value != Expected[i]) {
            KhFail(__FILE__, Line, "walking backwards, entry %d is wrong", i);
            return FALSE;
        }
    }
    if (Head->Flink->Blink != Head || Head->Blink->Flink != Head) {
        KhFail(__FILE__, Line, "the head's neighbours do not point back to it");
        return FALSE;
    }
    return TRUE;
}

/* CHECK_LIST(&Head, values...): the list holds exactly these items, in this
 * order; CHECK_LIST(&Head) for an empty list. (The array's first element only
 * keeps it from being empty.) */
#define CHECK_LIST(Head, ...)                                                                                          \
    do {                                                                                                               \
        static const int Expected_[] = {-1, ##__VA_ARGS__};                                                            \
        CheckList((Head), Expected_ + 1, (int)ARRAYSIZE(Expected_) - 1, __LINE__);                                     \
    } while (0)

KH_TEST(empty_head)
{
    LIST_ENTRY Head;

    InitializeListHead(&Head);
    KH_EXPECT(IsListEmpty(&Head));
    KH_EXPECT_EQ(Head.Flink, &Head);
    KH_EXPECT_EQ(Head.Blink, &Head);
    CHECK_LIST(&Head);
}

KH_TEST(insert_tail_and_head)
{
    LIST_ENTRY Head;

    ResetItems();
    InitializeListHead(&Head);
    InsertTailList(&Head, &Items[1].Link);
    KH_EXPECT(!IsListEmpty(&Head));
    CHECK_LIST(&Head, 1);
    InsertTailList(&Head, &Items[2].Link);
    InsertHeadList(&Head, &Items[0].Link);
    InsertTailList(&Head, &Items[3].Link);
    InsertHeadList(&Head, &Items[4].Link);
    CHECK_LIST(&Head, 4, 0, 1, 2, 3);
}

KH_TEST(containing_record)
{
    ITEM Item;

    KH_EXPECT_EQ(CONTAINING_RECORD(&Item.Link, ITEM, Link), &Item);
    KH_EXPECT_EQ(CONTAINING_RECORD(&Item.Next, ITEM, Next), &Item);
    KH_EXPECT_EQ(CONTAINING_RECORD(&Item.Value, ITEM, Value), &Item);
}

/* RemoveEntryList returns TRUE exactly when the list is empty afterwards. */
KH_TEST(remove_entry_return_value)
{
    LIST_ENTRY Head;

    ResetItems();
    InitializeListHead(&Head);
    for (int i = 0; i < 4; i++)
        InsertTailList(&Head, &Items[i].Link);

    KH_EXPECT_EQ(RemoveEntryList(&Items[2].Link), FALSE); /* from the middle */
    CHECK_LIST(&Head, 0, 1, 3);
    KH_EXPECT_EQ(RemoveEntryList(&Items[0].Link), FALSE); /* the first */
    CHECK_LIST(&Head, 1, 3);
    KH_EXPECT_EQ(RemoveEntryList(&Items[3].Link), FALSE); /* the last */
    CHECK_LIST(&Head, 1);
    KH_EXPECT_EQ(RemoveEntryList(&Items[1].Link), TRUE); /* the only one */
    KH_EXPECT(IsListEmpty(&Head));
    CHECK_LIST(&Head);
}

KH_TEST(remove_head_and_tail)
{
    LIST_ENTRY Head;

    ResetItems();
    InitializeListHead(&Head);
    for (int i = 0; i < 5; i++)
        InsertTailList(&Head, &Items[i].Link);

    KH_EXPECT_EQ(RemoveHeadList(&Head), &Items[0].Link);
    KH_EXPECT_EQ(RemoveTailList(&Head), &Items[4].Link);
    CHECK_LIST(&Head, 1, 2, 3);
    KH_EXPECT_EQ(RemoveTailList(&Head), &Items[3].Link);
    KH_EXPECT_EQ(RemoveHeadList(&Head), &Items[1].Link);
    KH_EXPECT_EQ(RemoveHeadList(&Head), &Items[2].Link);
    KH_EXPECT(IsListEmpty(&Head));

    /* On an empty list both return the head itself and leave it empty. */
    KH_EXPECT_EQ(RemoveHeadList(&Head), &Head);
    KH_EXPECT_EQ(RemoveTailList(&Head), &Head);
    KH_EXPECT(IsListEmpty(&Head));
}

/* A FIFO queue and a LIFO stack built from the same calls. */
KH_TEST(queue_and_stack_order)
{
    LIST_ENTRY Queue, Stack;

    ResetItems();
    InitializeListHead(&Queue);
    for (int i = 0; i < 4; i++)
        InsertTailList(&Queue, &Items[i].Link);
    for (int i = 0; i < 4; i++)
        KH_EXPECT_EQ(CONTAINING_RECORD(RemoveHeadList(&Queue), ITEM, Link)->Value, i);

    InitializeListHead(&Stack);
    for (int i = 0; i < 4; i++)
        InsertHeadList(&Stack, &Items[i].Link);
    for (int i = 3; i >= 0; i--)
        KH_EXPECT_EQ(CONTAINING_RECORD(RemoveHeadList(&Stack), ITEM, Link)->Value, i);
    KH_EXPECT(IsListEmpty(&Queue) && IsListEmpty(&Stack));
}

/* A headless chain: entries linked in a circle among themselves. */
static void MakeChain(int First, int Count)
{
    for (int i = 0; i < Count; i++) {
        Items[First + i].Link.Flink = &Items[First + (i + 1) % Count].Link;
        Items[First + i].Link.Blink = &Items[First + (i + Count - 1) % Count].Link;
    }
}

KH_TEST(append_tail_list_headless_chain)
{
    LIST_ENTRY Head;

    ResetItems();
    InitializeListHead(&Head);
    InsertTailList(&Head, &Items[0].Link);
    InsertTailList(&Head, &Items[1].Link);
    MakeChain(4, 3); /* 4 -> 5 -> 6 */
    AppendTailList(&Head, &Items[4].Link);
    CHECK_LIST(&Head, 0, 1, 4, 5, 6);

    /* A chain of one is an InsertTailList. */
    MakeChain(7, 1);
    AppendTailList(&Head, &Items[7].Link);
    CHECK_LIST(&Head, 0, 1, 4, 5, 6, 7);

    /* Onto an empty list. */
    LIST_ENTRY Empty;
    InitializeListHead(&Empty);
    MakeChain(2, 2);
    AppendTailList(&Empty, &Items[2].Link);
    CHECK_LIST(&Empty, 2, 3);
}

/* The usual way to move a whole list: append it with its head, then take
 * the head out. */
KH_TEST(append_tail_list_whole_list)
{
    LIST_ENTRY Head, Other;

    ResetItems();
    InitializeListHead(&Head);
    InitializeListHead(&Other);
    InsertTailList(&Head, &Items[0].Link);
    for (int i = 1; i < 4; i++)
        InsertTailList(&Other, &Items[i].Link);

    AppendTailList(&Head, &Other);
    RemoveEntryList(&Other);
    InitializeListHead(&Other);
    CHECK_LIST(&Head, 0, 1, 2, 3);
    KH_EXPECT(IsListEmpty(&Other));
}

KH_TEST(single_list_is_a_stack)
{
    SINGLE_LIST_ENTRY Head = {NULL};

    ResetItems();
    KH_EXPECT_EQ(PopEntryList(&Head), NULL);
    for (int i = 0; i < 4; i++)
        PushEntryList(&Head, &Items[i].Next);
    KH_EXPECT_EQ(Head.Next, &Items[3].Next);
    for (int i = 3; i >= 0; i--) {
        PSINGLE_LIST_ENTRY Entry = PopEntryList(&Head);
        KH_ASSERT(Entry != NULL);
        KH_EXPECT_EQ(CONTAINING_RECORD(Entry, ITEM, Next)->Value, i);
    }
    KH_EXPECT_EQ(Head.Next, NULL);
    KH_EXPECT_EQ(PopEntryList(&Head), NULL);
    KH_EXPECT_EQ(Head.Next, NULL);

    /* Pushing after emptying works as on a fresh head. */
    PushEntryList(&Head, &Items[5].Next);
    KH_EXPECT_EQ(Items[5].Next.Next, NULL);
    KH_EXPECT_EQ(PopEntryList(&Head), &Items[5].Next);
}
