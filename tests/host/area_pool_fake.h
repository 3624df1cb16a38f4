// An mm::AreaPool for host tests of AreaMap (area_map_test.cpp, area_map_model_test.cpp):
// new and delete, every area accounted for, and a switch to simulate running out.
#pragma once

#include <mm/area_map.h>

#include <gtest/gtest.h>

#include <set>

class HeapPool final : public mm::AreaPool {
public:
    ~HeapPool() { EXPECT_EQ(live.size(), 0u) << "areas leaked or still mapped"; }
    mm::Area* allocate() override
    {
        if (exhausted)
            return nullptr;
        auto* area = new mm::Area();
        live.insert(area);
        return area;
    }
    void free(mm::Area* area) override
    {
        EXPECT_EQ(live.erase(area), 1u) << "double free";
        delete area;
    }
    bool exhausted = false;
    std::set<mm::Area*> live;
};
